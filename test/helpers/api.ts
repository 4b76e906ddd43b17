import type request from 'supertest';

type Http = ReturnType<typeof request>;

let counter = 0;
/** A username no other test in this run uses. */
export function uniqueName(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

export async function registerUser(http: Http, username = uniqueName(), adminToken?: string): Promise<{ username: string; token: string }> {
  const req = http.post('/api/v1/users').send({ username });
  if (adminToken) void req.set('Authorization', `Bearer ${adminToken}`);
  const res = await req;
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${res.text}`);
  return { username, token: res.body.token as string };
}

export function upload(http: Http, token: string | undefined, body: unknown, query: Record<string, string> = {}) {
  const req = http
    .post('/api/v1/uploads')
    .query(query)
    .set('Content-Type', 'application/json')
    .send(typeof body === 'string' ? body : JSON.stringify(body));
  if (token) void req.set('Authorization', `Bearer ${token}`);
  return req;
}

/**
 * Row counts of every table in the schema (read from the catalog, so a table added later is counted
 * too), to show that a refused request stored nothing.
 */
export async function rowCounts(query: <T>(sql: string) => Promise<T[]>): Promise<Record<string, number>> {
  const tables = await query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await query<{ n: string | number }>(`SELECT count(*) AS n FROM "${name}"`);
    counts[name] = Number(row.n);
  }
  return counts;
}
