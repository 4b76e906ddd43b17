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

/** Row counts of every table the service writes, to show that a refused request stored nothing. */
export async function rowCounts(query: <T>(sql: string) => Promise<T[]>): Promise<Record<string, number>> {
  const tables = ['users', 'api_tokens', 'usage_stats', 'model_usage', 'device_days', 'device_day_models', 'uploads',
    'user_month_stats', 'user_totals', 'user_model_totals', 'user_model_months', 'model_day_stats', 'day_stats'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`);
    counts[table] = Number(row!.n);
  }
  return counts;
}
