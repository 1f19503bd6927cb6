// What parsing DVID's URL text gives: the value, or the words DVID answers when it refuses the
// text (dvid-api.md §1.5), so a server can reply as DVID does. No exception crosses a package.

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function parsed<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function refused(error: string): { readonly ok: false; readonly error: string } {
  return { ok: false, error };
}
