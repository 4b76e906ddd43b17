import { readFileSync } from 'node:fs';
import { registerUser, upload } from '../helpers/api.js';
import type { TestDatabase } from '../helpers/database.js';
import { decimalText, roundHalfUp, scaled } from '../helpers/otel-sdk.js';
import { activityAnswer, expectedActivityAnswer, storedActivity } from '../helpers/otel-stored.js';
import { otelFixture, shiftTimes } from '../helpers/otlp.js';
import { REBUILDS, SHARED_FOLD_TABLES } from '../helpers/summary-rebuilds.mjs';
import { settleSharedDays, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Issue 12's precedence over uploads, on real data of one run of Claude Code: its OTLP export
 * (test/fixtures/claude-code-otel/otlp-json-delta-metrics.json) and `ccusage daily --json` over the
 * same run's logs (ccusage-daily.json). For one user, device and day, the upload wins whichever
 * arrives first; telemetry fills the days and devices no upload reported; device names are kept
 * apart. Afterwards every summary table equals its rebuild, and deleting users removes their
 * telemetry.
 */

let t: TestApp;
let db: TestDatabase;
useTestApp({ LOG_LEVEL: 'warn', SHARED_FOLD_INTERVAL_MS: '0' }, (ready) => ({ t, db } = ready));

const DAY_MS = 86_400_000;
type Json = Record<string, unknown>;
interface Attribute {
  key: string;
  value: { stringValue?: string };
}
interface Point {
  asDouble?: number;
  attributes?: Attribute[];
}

/** Places enough for any float ccusage or Claude Code prints (0.049447200000000004). */
const FLOAT_PLACES = 24;
/** A float as the exact decimal it prints as (what a person reads in the JSON), scaled by 10^FLOAT_PLACES. */
function exact(x: number): bigint {
  if (String(x).includes('e')) throw new Error(`no exponent expected in this data: ${x}`);
  return scaled(String(x), FLOAT_PLACES);
}

/** One device's numbers on one day, per model: tokens, and the cost as an exact decimal (scaled). */
type Slice = Map<string, { inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number; cost: bigint }>;

/** The capture moved so that its last point ends at `latestMs`, as `ccstats.device=<device>` when a device is given. */
function capture(latestMs: number, device?: string): Json {
  const body = shiftTimes(JSON.parse(otelFixture('otlp-json-delta-metrics.json').toString('utf8')) as Json, latestMs);
  if (device !== undefined) {
    for (const r of body.resourceMetrics as Array<{ resource: { attributes: Attribute[] } }>) {
      r.resource.attributes.push({ key: 'ccstats.device', value: { stringValue: device } });
    }
  }
  return body;
}

/** What the capture says, read here: per model its token.usage points by type and its cost.usage points. */
function captureSlice(body: Json): Slice {
  const slice: Slice = new Map();
  const of = (p: Point, key: string) => p.attributes?.find((a) => a.key === key)?.value.stringValue;
  const resources = body.resourceMetrics as Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string; sum?: { dataPoints: Point[] } }> }> }>;
  for (const metric of resources.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))) {
    if (metric.name !== 'claude_code.token.usage' && metric.name !== 'claude_code.cost.usage') continue;
    for (const p of metric.sum?.dataPoints ?? []) {
      const model = of(p, 'model')!;
      const m = slice.get(model) ?? { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, cost: 0n };
      const value = p.asDouble ?? 0;
      if (metric.name === 'claude_code.cost.usage') m.cost += exact(value);
      else {
        const field = ({ input: 'inputTokens', output: 'outputTokens', cacheCreation: 'cacheCreationTokens', cacheRead: 'cacheReadTokens' } as const)[
          of(p, 'type')!
        ]!;
        m[field] += value;
      }
      slice.set(model, m);
    }
  }
  return slice;
}

/** The real ccusage report of the same run, dated `day`. */
function ccusageReport(day: string): Json & { daily: Array<Json & { modelBreakdowns: Array<Json & { modelName: string; cost: number }> }> } {
  const report = JSON.parse(readFileSync(new URL('../fixtures/claude-code-otel/ccusage-daily.json', import.meta.url), 'utf8'));
  report.daily[0].date = day;
  return report;
}

function ccusageSlice(report: ReturnType<typeof ccusageReport>): Slice {
  const slice: Slice = new Map();
  for (const b of report.daily[0].modelBreakdowns) {
    slice.set(b.modelName, {
      inputTokens: b.inputTokens as number,
      outputTokens: b.outputTokens as number,
      cacheCreationTokens: b.cacheCreationTokens as number,
      cacheReadTokens: b.cacheReadTokens as number,
      cost: exact(b.cost),
    });
  }
  return slice;
}

/**
 * What GET /users/:username/usage must report per day and model, given each device's slice per
 * day: tokens summed over devices, cost rounded half up to 4 places per device (its slice) and then summed.
 */
function expectedUsage(slices: Array<{ day: string; slice: Slice }>): Record<string, Record<string, Json>> {
  const out: Record<string, Record<string, Json>> = {};
  for (const { day, slice } of slices) {
    out[day] ??= {};
    for (const [model, m] of slice) {
      const before = out[day][model] as
        { inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number; totalTokens: number; cost: string } | undefined;
      const cost = roundHalfUp(m.cost, FLOAT_PLACES, 4) + (before ? scaled(before.cost, 4) : 0n);
      const tokens = {
        inputTokens: m.inputTokens + (before?.inputTokens ?? 0),
        outputTokens: m.outputTokens + (before?.outputTokens ?? 0),
        cacheCreationTokens: m.cacheCreationTokens + (before?.cacheCreationTokens ?? 0),
        cacheReadTokens: m.cacheReadTokens + (before?.cacheReadTokens ?? 0),
      };
      out[day][model] = {
        ...tokens,
        totalTokens: tokens.inputTokens + tokens.outputTokens + tokens.cacheCreationTokens + tokens.cacheReadTokens,
        cost: decimalText(cost, 4),
      };
    }
  }
  return out;
}

/** GET /users/:username/usage per day and model. */
async function storedUsage(user: { username: string; token: string }): Promise<Record<string, Record<string, Json>>> {
  const res = await t.http.get(`/api/v1/users/${user.username}/usage`).set('authorization', `Bearer ${user.token}`);
  expect(res.status).toBe(200);
  const out: Record<string, Record<string, Json>> = {};
  for (const row of res.body.rows as Array<{ date: string; models: Array<Json & { model: string }> }>) {
    out[row.date] = Object.fromEntries(row.models.map(({ model, provider: _provider, ...m }) => [model, m]));
  }
  return out;
}

function sendMetrics(token: string, body: Json) {
  return t.http.post('/v1/metrics').set('authorization', `Bearer ${token}`).set('content-type', 'application/json').send(JSON.stringify(body));
}

async function sources(username: string): Promise<Array<{ device: string; date: string; source: string }>> {
  return db.query(`SELECT d.device, d.date::text AS date, d.source FROM device_days d JOIN users u ON u.id = d.user_id WHERE u.username = $1 ORDER BY 1, 2`, [
    username,
  ]);
}

/** The capture's activity (sessions, lines, edits, active time), read here, as activity_days rows. */
function captureActivity(body: Json): Array<{ metric: string; key: string; value: string }> {
  const rows = new Map<string, bigint>();
  const add = (metric: string, key: string, value: number) =>
    rows.set(`${metric}|${key}`, (rows.get(`${metric}|${key}`) ?? 0n) + roundHalfUp(exact(value), FLOAT_PLACES, 6));
  const of = (p: Point, key: string) => p.attributes?.find((a) => a.key === key)?.value.stringValue ?? '';
  const resources = body.resourceMetrics as Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string; sum?: { dataPoints: Point[] } }> }> }>;
  for (const metric of resources.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))) {
    for (const p of metric.sum?.dataPoints ?? []) {
      const v = p.asDouble ?? 0;
      if (metric.name === 'claude_code.session.count') add('sessions', '', v);
      if (metric.name === 'claude_code.lines_of_code.count') add(of(p, 'type') === 'removed' ? 'linesRemoved' : 'linesAdded', '', v);
      if (metric.name === 'claude_code.code_edit_tool.decision')
        add(of(p, 'decision') === 'reject' ? 'editsRejected' : 'editsAccepted', `${of(p, 'tool_name')}|${of(p, 'language')}`, v);
      if (metric.name === 'claude_code.active_time.total') add('activeTime', of(p, 'type'), v);
      if (metric.name === 'claude_code.commit.count') add('commits', '', v);
      if (metric.name === 'claude_code.pull_request.count') add('pullRequests', '', v);
    }
  }
  return [...rows]
    .map(([k, v]) => {
      const [metric, ...key] = k.split('|');
      return { metric, key: key.join('|'), value: decimalText(v, 6) };
    })
    .sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

let now: number;
let today: string;
let yesterday: string;
const users: Array<{ username: string; token: string }> = [];

beforeAll(async () => {
  // Every point of this file must fall on the same two UTC days: start well inside today.
  const left = DAY_MS - (Date.now() % DAY_MS);
  if (left < 90_000) await new Promise((resolve) => setTimeout(resolve, left + 2_000));
  if (Date.now() % DAY_MS < 2_000) await new Promise((resolve) => setTimeout(resolve, 2_000));
  now = Date.now() - 1_000;
  today = new Date(now).toISOString().slice(0, 10);
  yesterday = new Date(now - DAY_MS).toISOString().slice(0, 10);
});

describe('a day reported by a ccusage upload and by telemetry, for the same device', () => {
  it('counts once when the upload comes first: the upload stands, telemetry adds only its activity', async () => {
    const user = await registerUser(t.http);
    users.push(user);
    const report = ccusageReport(today);
    expect((await upload(t.http, user.token, report, { device: 'laptop' })).status).toBe(200);
    const telemetry = capture(now, 'laptop');
    expect((await sendMetrics(user.token, telemetry)).status).toBe(200);

    expect(await storedUsage(user)).toEqual(expectedUsage([{ day: today, slice: ccusageSlice(report) }]));
    expect(await sources(user.username)).toEqual([{ device: 'laptop', date: today, source: 'upload' }]);
    // Activity is what only telemetry reports: it counts whatever the upload says.
    expect(await storedActivity(db, user.username)).toEqual(captureActivity(telemetry));
    const expected = expectedActivityAnswer(captureActivity(telemetry));
    expect(await activityAnswer(t.http, user.username, user.token, today)).toEqual({ ...expected, rows: [{ date: today, ...expected.totals }] });
  });

  it('counts once when telemetry comes first: the upload replaces it, and later telemetry for that day changes nothing', async () => {
    const user = await registerUser(t.http);
    users.push(user);
    const telemetry = capture(now - 120_000, 'laptop');
    expect((await sendMetrics(user.token, telemetry)).status).toBe(200);
    expect(await storedUsage(user)).toEqual(expectedUsage([{ day: today, slice: captureSlice(telemetry) }]));
    expect(await sources(user.username)).toEqual([{ device: 'laptop', date: today, source: 'telemetry' }]);

    const report = ccusageReport(today);
    expect((await upload(t.http, user.token, report, { device: 'laptop' })).status).toBe(200);
    expect(await storedUsage(user)).toEqual(expectedUsage([{ day: today, slice: ccusageSlice(report) }]));

    // The same session's next export (a later interval of the same series): counted in telemetry, not in usage.
    const later = capture(now, 'laptop');
    expect((await sendMetrics(user.token, later)).status).toBe(200);
    expect(await storedUsage(user)).toEqual(expectedUsage([{ day: today, slice: ccusageSlice(report) }]));
    expect(await sources(user.username)).toEqual([{ device: 'laptop', date: today, source: 'upload' }]);
    const kept = await db.query<{ n: string }>(
      `SELECT sum(m.input_tokens)::text AS n FROM telemetry_day_models m JOIN users u ON u.id = m.user_id WHERE u.username = $1`,
      [user.username],
    );
    const captured = [...captureSlice(telemetry).values()].reduce((s, m) => s + m.inputTokens, 0);
    expect(Number(kept[0].n)).toBe(2 * captured);
  });
});

describe('what no upload reported', () => {
  it('telemetry-only days and devices count; device names are kept apart (an upload as "default" and telemetry as "otel" are two devices)', async () => {
    const user = await registerUser(t.http);
    users.push(user);
    const report = ccusageReport(today);
    const desktop = capture(now - 300_000, 'desktop');
    const laptopYesterday = capture(now - DAY_MS + 60_000, 'laptop');
    const unnamed = capture(now - 200_000);
    expect((await sendMetrics(user.token, desktop)).status).toBe(200);
    expect((await upload(t.http, user.token, report, { device: 'laptop' })).status).toBe(200);
    expect((await sendMetrics(user.token, laptopYesterday)).status).toBe(200);
    expect((await sendMetrics(user.token, unnamed)).status).toBe(200);
    expect((await upload(t.http, user.token, report)).status).toBe(200);

    expect(await storedUsage(user)).toEqual(
      expectedUsage([
        { day: today, slice: ccusageSlice(report) }, // laptop, uploaded
        { day: today, slice: ccusageSlice(report) }, // default, uploaded
        { day: today, slice: captureSlice(desktop) },
        { day: today, slice: captureSlice(unnamed) }, // otel
        { day: yesterday, slice: captureSlice(laptopYesterday) },
      ]),
    );
    expect(await sources(user.username)).toEqual([
      { device: 'default', date: today, source: 'upload' },
      { device: 'desktop', date: today, source: 'telemetry' },
      { device: 'laptop', date: yesterday, source: 'telemetry' },
      { device: 'laptop', date: today, source: 'upload' },
      { device: 'otel', date: today, source: 'telemetry' },
    ]);
  });
});

describe('afterwards', () => {
  // Rows as composite text: positional, so the rebuild's unnamed columns compare too.
  const rowsOf = async (query: string) => (await db.query<{ r: string }>(`SELECT q::text AS r FROM (${query}) q`)).map((x) => x.r).sort();

  async function expectSummariesExact(): Promise<void> {
    for (const [table, { actual, rebuilt }] of Object.entries(REBUILDS)) {
      expect({ table, rows: await rowsOf(actual) }).toEqual({ table, rows: await rowsOf(rebuilt) });
    }
    await settleSharedDays(t);
    for (const [table, alone] of Object.entries(SHARED_FOLD_TABLES)) {
      expect({ table, rows: await rowsOf(alone) }).toEqual({ table, rows: await rowsOf(REBUILDS[table].rebuilt) });
    }
  }

  const TELEMETRY_TABLES = ['telemetry_series', 'telemetry_day_models', 'activity_days', 'activity_months', 'telemetry_receipts'];

  it('every summary table equals its rebuild, and deleting the users removes their telemetry', async () => {
    expect(users).toHaveLength(3);
    await expectSummariesExact();
    const ids = (await db.query<{ id: number }>(`SELECT id FROM users WHERE username = ANY($1::text[])`, [users.map((u) => u.username)])).map((r) => r.id);
    const rowsOfUsers = async () => {
      const counts: Record<string, number> = {};
      for (const table of TELEMETRY_TABLES) {
        const [row] = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table} WHERE user_id = ANY($1::int[])`, [ids]);
        counts[table] = Number(row.n);
      }
      return counts;
    };
    const before = await rowsOfUsers();
    // Each table held rows of theirs, so the deletion below has something to remove.
    for (const table of TELEMETRY_TABLES) expect({ table, some: before[table] > 0 }).toEqual({ table, some: true });

    for (const user of users) {
      expect((await t.http.delete(`/api/v1/users/${user.username}`).set('authorization', `Bearer ${user.token}`)).status).toBe(204);
    }
    expect(await rowsOfUsers()).toEqual(Object.fromEntries(TELEMETRY_TABLES.map((table) => [table, 0])));
    await expectSummariesExact();
    const left = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM usage_stats`);
    expect(Number(left[0].n)).toBe(0);
  });
});
