import fc from 'fast-check';

/** Who a case claims to be. Roles are resolved to real tokens when the case is sent. */
export type Role = 'none' | 'alice' | 'bob' | 'admin' | 'metrics' | 'owner';

export type Mangle =
  'lowercase-scheme' | 'no-scheme' | 'truncated' | 'extended' | 'case-flipped' | 'twice' | 'basic' | 'trailing-space' | 'double-space' | 'tab';

export type Auth = { role: Role } | { raw: string } | { mangle: 'alice' | 'admin'; how: Mangle };

/**
 * One fuzz case: a request, described so that it can be printed, replayed and counted.
 * `{user}` in the path stands for a user that `setup` registers just before, `{token}` for the id
 * of a second token of that user (so that cases which delete or revoke never touch the seeded
 * users); the role `owner` is that user's token.
 */
export interface FuzzCase {
  /** The route aimed at, e.g. `GET /api/v1/users/:username`: the unit of the counts. */
  route: string;
  group: string;
  method: string;
  path: string;
  auth: Auth;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  setup?: 'user' | 'token';
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);

export function describeAuth(auth: Auth): string {
  if ('role' in auth) return auth.role;
  if ('raw' in auth) return `raw ${JSON.stringify(clip(auth.raw, 80))}`;
  return `${auth.mangle} token, ${auth.how}`;
}

export function describeBody(body: string | Uint8Array | undefined, max = 300): string {
  if (body === undefined) return 'no body';
  if (typeof body === 'string') return `${body.length} chars ${JSON.stringify(clip(body, max))}`;
  return `${body.length} bytes ${JSON.stringify(clip(Buffer.from(body).toString('latin1'), max))}`;
}

export function describeCase(c: FuzzCase): string {
  const headers =
    c.headers && Object.keys(c.headers).length
      ? ` headers=${JSON.stringify(Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, clip(v, 120)])))}`
      : '';
  const setup = c.setup ? ` setup=${c.setup}` : '';
  const body = c.body !== undefined ? ` body=${describeBody(c.body)}` : '';
  return `${c.method} ${clip(c.path, 400)} auth=${describeAuth(c.auth)}${setup}${headers}${body}`;
}

/** Gives the case a readable form in fast-check's failure report (bodies can be megabytes). */
export function printable(c: FuzzCase): FuzzCase {
  Object.defineProperty(c, fc.toStringMethod, { value: () => describeCase(c), enumerable: false });
  return c;
}
