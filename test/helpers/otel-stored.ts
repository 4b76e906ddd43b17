import type request from 'supertest';
import { ACTIVITY_FIELDS } from './activity-tally.js';
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

/** What GET /users/:username/activity answers over a range, from activity_days-style rows (metric, key, value). */
export interface ActivityAnswer {
  totals: Record<string, number>;
  editDecisions: Array<{ tool: string; language: string; accepted: number; rejected: number }>;
  apiByModel: Array<{ model: string; requests: number; errors: number }>;
}

const TOTAL_OF: Record<string, (key: string) => string> = {
  sessions: () => 'sessions',
  linesAdded: () => 'linesAdded',
  linesRemoved: () => 'linesRemoved',
  commits: () => 'commits',
  pullRequests: () => 'pullRequests',
  editsAccepted: () => 'editsAccepted',
  editsRejected: () => 'editsRejected',
  activeTime: (key) => (key === 'user' ? 'activeTimeUser' : 'activeTimeCli'),
  apiRequests: () => 'apiRequests',
  apiErrors: () => 'apiErrors',
};

/** The answer `rows` must give (edit decisions and models sorted by name here; compare with sortedAnswer). */
export function expectedActivityAnswer(rows: ActivityRow[]): ActivityAnswer {
  const totals: Record<string, number> = Object.fromEntries(ACTIVITY_FIELDS.map((k) => [k, 0]));
  const edits = new Map<string, { tool: string; language: string; accepted: number; rejected: number }>();
  const models = new Map<string, { model: string; requests: number; errors: number }>();
  // Exact sums of decimal texts with 6 places (active time has 3 at most), as integers of micro-units.
  const micro = new Map<string, bigint>();
  for (const r of rows) {
    const total = TOTAL_OF[r.metric](r.key);
    const [whole, fraction = ''] = r.value.split('.');
    micro.set(total, (micro.get(total) ?? 0n) + BigInt(whole + fraction.padEnd(6, '0').slice(0, 6)));
    if (r.metric === 'editsAccepted' || r.metric === 'editsRejected') {
      const [tool, ...language] = r.key.split('|');
      const e = edits.get(r.key) ?? { tool, language: language.join('|'), accepted: 0, rejected: 0 };
      e[r.metric === 'editsAccepted' ? 'accepted' : 'rejected'] += Number(r.value);
      edits.set(r.key, e);
    }
    if (r.metric === 'apiRequests' || r.metric === 'apiErrors') {
      const m = models.get(r.key) ?? { model: r.key, requests: 0, errors: 0 };
      m[r.metric === 'apiRequests' ? 'requests' : 'errors'] += Number(r.value);
      models.set(r.key, m);
    }
  }
  for (const [k, v] of micro) totals[k] = Number(`${v / 1_000_000n}.${(v % 1_000_000n).toString().padStart(6, '0')}`);
  return sortedAnswer({ totals, editDecisions: [...edits.values()], apiByModel: [...models.values()] });
}

/** An answer with its lists in name order, to compare without depending on the API's ranking. */
export function sortedAnswer(answer: ActivityAnswer): ActivityAnswer {
  const by = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    totals: answer.totals,
    editDecisions: [...answer.editDecisions].sort((a, b) => by(a.tool, b.tool) || by(a.language, b.language)),
    apiByModel: [...answer.apiByModel].sort((a, b) => by(a.model, b.model)),
  };
}

/** GET /api/v1/users/:username/activity over one day: its totals, the day's row (equal to them), edit decisions and models. */
export async function activityAnswer(http: Http, username: string, token: string, day: string): Promise<ActivityAnswer & { rows: unknown[] }> {
  const res = await http.get(`/api/v1/users/${username}/activity`).query({ from: day, to: day }).set('authorization', `Bearer ${token}`);
  if (res.status !== 200) throw new Error(`activity of ${username}: ${res.status} ${res.text}`);
  const body = res.body as ActivityAnswer & { rows: Array<Record<string, number | string>> };
  return { ...sortedAnswer(body), rows: body.rows };
}
