import type request from 'supertest';
import type { TestDatabase } from './database.js';
import { byMetricKey, type ExpectedModel } from './otel-sdk.js';

type Http = ReturnType<typeof request>;

export interface StoredUsage {
  /** The days GET /users/:username/usage has rows for. */
  days: string[];
  /** Per model, summed over the days. */
  models: Record<string, ExpectedModel>;
  totalCost: string;
  totalTokens: number;
}

/** What GET /api/v1/users/:username/usage reports, per model (the reads every person sees). */
export async function storedUsage(http: Http, username: string, token: string, range: { from?: string; to?: string } = {}): Promise<StoredUsage> {
  const res = await http.get(`/api/v1/users/${username}/usage`).query(range).set('authorization', `Bearer ${token}`);
  if (res.status !== 200) throw new Error(`usage of ${username}: ${res.status} ${res.text}`);
  const body = res.body as {
    rows: Array<{ date: string; models: Array<ExpectedModel & { model: string }> }>;
    totals: { totalCost: string; totalTokens: number };
  };
  const models: Record<string, ExpectedModel> = {};
  for (const row of body.rows) {
    for (const m of row.models) {
      if (models[m.model]) throw new Error(`${m.model} on more than one day: compare per day`);
      models[m.model] = {
        inputTokens: m.inputTokens,
        outputTokens: m.outputTokens,
        cacheCreationTokens: m.cacheCreationTokens,
        cacheReadTokens: m.cacheReadTokens,
        totalTokens: m.totalTokens,
        cost: m.cost,
      };
    }
  }
  return { days: body.rows.map((r) => r.date), models, totalCost: body.totals.totalCost, totalTokens: body.totals.totalTokens };
}

export interface ActivityRow {
  metric: string;
  key: string;
  value: string;
}

/** The user's activity_days rows (metric, key, value with 6 places) on `day`, sorted; all days when `day` is undefined. */
export async function storedActivity(db: TestDatabase, username: string, day?: string): Promise<ActivityRow[]> {
  const rows = await db.query<ActivityRow & { date: string }>(
    `SELECT a.date::text AS date, a.metric, a.key, a.value::text AS value
       FROM activity_days a JOIN users u ON u.id = a.user_id
      WHERE u.username = $1`,
    [username],
  );
  return rows
    .filter((r) => day === undefined || r.date === day)
    .map(({ metric, key, value }) => ({ metric, key, value }))
    .sort(byMetricKey);
}

/** The user's telemetry receipts per device and signal: batches, accepted, duplicates, refused. */
export async function receipts(
  db: TestDatabase,
  username: string,
): Promise<Array<{ device: string; signal: string; batches: number; accepted: number; duplicates: number; refused: number }>> {
  const rows = await db.query<{ device: string; signal: string; batches: string; accepted: string; duplicates: string; refused: string }>(
    `SELECT r.device, r.signal, r.batches::text AS batches, r.accepted::text AS accepted, r.duplicates::text AS duplicates, r.refused::text AS refused
       FROM telemetry_receipts r JOIN users u ON u.id = r.user_id
      WHERE u.username = $1 ORDER BY r.device, r.signal`,
    [username],
  );
  return rows.map((r) => ({
    device: r.device,
    signal: r.signal,
    batches: Number(r.batches),
    accepted: Number(r.accepted),
    duplicates: Number(r.duplicates),
    refused: Number(r.refused),
  }));
}

/** The tables of the public schema with a row whose text contains `needle` (to show prompt text was never stored). */
export async function tablesContaining(db: TestDatabase, needle: string): Promise<string[]> {
  const tables = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const found: string[] = [];
  for (const { name } of tables) {
    const [row] = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM "${name}" x WHERE strpos(x::text, $1) > 0`, [needle]);
    if (Number(row.n) > 0) found.push(name);
  }
  return found;
}
