// Access tokens with roles (read < write < admin): parsed from a token file or the
// DVIDCLOUD_TOKENS environment variable, never from a bare command-line value (argv shows in
// `ps`). Kept as SHA-256 digests and compared in constant time; a token is never logged nor put
// in an error message.
import { createHash, timingSafeEqual } from "node:crypto";
import { describeValue, invalidOption } from "../option-checks.js";

export const ROLES = ["read", "write", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface AccessToken {
  readonly role: Role;
  readonly token: string;
}

/** RFC 6750's b64token (letters, digits, `-._~+/`, trailing `=`), at least 16 characters. */
const TOKEN = /^[A-Za-z0-9\-._~+/]{16,}=*$/;

/** Whether `have` grants what `need` asks: admin ⊇ write ⊇ read. */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

function checkRole(role: unknown, where: string): Role {
  if (!ROLES.includes(role as Role)) throw invalidOption(`${where}: role must be one of ${ROLES.join(", ")}; got ${describeValue(role)}`);
  return role as Role;
}

/** The token's shape is checked, but the token itself never appears in the message. */
function checkToken(token: unknown, where: string): string {
  if (typeof token !== "string") throw invalidOption(`${where}: token must be a string; got ${describeValue(token === undefined ? token : typeof token)}`);
  if (!TOKEN.test(token)) {
    throw invalidOption(
      `${where}: a token must be at least 16 characters of letters, digits and -._~+/ (optionally ending in =); got one of ${token.length} characters that is not`,
    );
  }
  return token;
}

/** Checks the server option `tokens`: an array of { role, token }. */
export function checkTokens(value: unknown, name = "tokens"): AccessToken[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalidOption(`${name} must be an array of { role, token }; got ${describeValue(value)}`);
  return value.map((entry: unknown, i) => {
    const where = `${name}[${i}]`;
    if (typeof entry !== "object" || entry === null) throw invalidOption(`${where} must be an object { role, token }; got ${describeValue(entry)}`);
    const e = entry as Record<string, unknown>;
    const extra = Object.keys(e).filter((k) => k !== "role" && k !== "token");
    if (extra.length > 0) throw invalidOption(`${where}: unknown key ${JSON.stringify(extra[0])}; expected role and token`);
    return { role: checkRole(e.role, where), token: checkToken(e.token, where) };
  });
}

/**
 * Parses tokens as a file or DVIDCLOUD_TOKENS holds them: JSON (`{"read": ["…"], "admin": "…"}`
 * or `[{"role": "read", "token": "…"}]`), or `role:token` entries, one per line or separated by
 * commas; blank lines and `#` comments are skipped. `source` names where they came from.
 */
export function parseTokens(text: string, source: string): AccessToken[] {
  const trimmed = text.trim();
  if (trimmed === "") throw invalidOption(`${source} holds no token; expected role:token lines (roles ${ROLES.join(", ")}) or JSON`);
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw invalidOption(`${source} is not valid JSON: ${(err as Error).message}`);
    }
    if (Array.isArray(parsed)) return checkTokens(parsed, source)!;
    const out: AccessToken[] = [];
    for (const [role, tokens] of Object.entries(parsed as Record<string, unknown>)) {
      checkRole(role, source);
      for (const token of Array.isArray(tokens) ? tokens : [tokens]) out.push({ role: role as Role, token: checkToken(token, `${source} (${role})`) });
    }
    if (out.length === 0) throw invalidOption(`${source} holds no token; expected at least one of ${ROLES.join(", ")}`);
    return out;
  }
  const out: AccessToken[] = [];
  const entries = trimmed.split(/[\n,]/);
  entries.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const colon = line.indexOf(":");
    if (colon === -1) throw invalidOption(`${source}: entry ${i + 1} is not role:token (roles ${ROLES.join(", ")})`);
    out.push({ role: checkRole(line.slice(0, colon).trim(), `${source} entry ${i + 1}`), token: checkToken(line.slice(colon + 1).trim(), `${source} entry ${i + 1}`) });
  });
  if (out.length === 0) throw invalidOption(`${source} holds no token; expected role:token lines (roles ${ROLES.join(", ")}) or JSON`);
  return out;
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** The server's tokens as digests; `roleOf` compares in constant time against every one of them. */
export class TokenTable {
  readonly #entries: { role: Role; digest: Buffer }[];

  constructor(tokens: readonly AccessToken[]) {
    this.#entries = tokens.map((t) => ({ role: t.role, digest: digest(t.token) }));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The highest role of a matching token, or undefined. Every entry is compared, match or not. */
  roleOf(token: string): Role | undefined {
    const d = digest(token);
    let found: Role | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.digest, d) && (found === undefined || roleAllows(entry.role, found))) found = entry.role;
    }
    return found;
  }
}
