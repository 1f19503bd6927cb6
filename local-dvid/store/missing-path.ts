// A file-system call on a path that may not exist: a key never written, a key directory that
// was never made. ENOTDIR counts as missing too: a path component is a file (e.g. something
// that is not this store's), so nothing of the store's can be there.

/** The result of `call`, or undefined when its path does not exist. */
export async function unlessMissing<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
}
