import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { utcDay } from '../../src/common/dates.js';
import { registerUser, upload } from '../helpers/api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * Retention on real uploads: every answer the API gave before old months were retired must be the
 * same after (but for the fields that say months were used), and the archive files must hold
 * exactly the rows that were deleted, read from the database before the run.
 */

const TODAY = utcDay(new Date());
const day = (offset: number) => utcDay(new Date(), offset);
const monthStart = (d: string) => `${d.slice(0, 7)}-01`;
const RETENTION_DAYS = 60;
/** Independently of the service: the first month that keeps its days is the month of today - 60. */
const KEPT_FROM = monthStart(day(-RETENTION_DAYS));
const ADMIN = 'retention-admin-token-of-the-retention-tests';
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'gpt-5-codex'];

/** A deterministic ccusage daily report of `days` days ending `lastOffset` days from today. */
function report(seed: number, days: number, lastOffset = 0, skipEvery = 0) {
  let x = seed;
  const next = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  const daily = [];
  for (let i = days - 1; i >= 0; i--) {
    if (skipEvery && i % skipEvery === 0) continue;
    const models = MODELS.slice(0, 1 + next(3)).map((modelName) => ({
      modelName,
      inputTokens: next(5000),
      outputTokens: next(20000),
      cacheCreationTokens: next(100000),
      cacheReadTokens: next(3_000_000),
      cost: next(50_000) / 10_000,
    }));
    const sum = (k: 'inputTokens' | 'outputTokens' | 'cacheCreationTokens' | 'cacheReadTokens') => models.reduce((s, m) => s + m[k], 0);
    const d = {
      date: day(lastOffset - i),
      inputTokens: sum('inputTokens'),
      outputTokens: sum('outputTokens'),
      cacheCreationTokens: sum('cacheCreationTokens'),
      cacheReadTokens: sum('cacheReadTokens'),
      totalTokens: 0,
      totalCost: Math.round(models.reduce((s, m) => s + m.cost * 10_000, 0)) / 10_000,
      modelsUsed: models.map((m) => m.modelName),
      modelBreakdowns: models,
    };
    d.totalTokens = d.inputTokens + d.outputTokens + d.cacheCreationTokens + d.cacheReadTokens;
    daily.push(d);
  }
  return { daily, totals: {} };
}

/** alice on one machine, bob on two (overlapping days), cy with gaps: about five months each. */
async function uploadUsage(t: TestApp): Promise<string[]> {
  const names = ['alice', 'bob', 'cy'];
  const tokens = new Map<string, string>();
  for (const name of names) tokens.set(name, (await registerUser(t.http, name)).token);
  await upload(t.http, tokens.get('alice'), report(1, 150), { device: 'laptop' }).expect(200);
  await upload(t.http, tokens.get('bob'), report(2, 140, -3), { device: 'laptop' }).expect(200);
  await upload(t.http, tokens.get('bob'), report(3, 100, 0), { device: 'desktop' }).expect(200);
  await upload(t.http, tokens.get('cy'), report(4, 160, -1, 4), { device: 'work' }).expect(200);
  return names;
}

/** The months the service must retire: those with data that ended before KEPT_FROM. */
async function expectedMonths(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ m: string }>(`SELECT DISTINCT to_char(date, 'YYYY-MM') AS m FROM usage_stats WHERE date < $1::date ORDER BY 1`, [KEPT_FROM]);
  return rows.map((r) => r.m);
}

/** The retired months in which one user has data: a user's month rows are only those months. */
async function monthsWithData(db: TestDatabase, username: string): Promise<string[]> {
  const rows = await db.query<{ m: string }>(
    `SELECT DISTINCT to_char(s.date, 'YYYY-MM') AS m FROM usage_stats s JOIN users u ON u.id = s.user_id
      WHERE u.username = $1 AND s.date < $2::date ORDER BY 1`,
    [username, KEPT_FROM],
  );
  return rows.map((r) => r.m);
}

/** The daily rows of retired months as canonical strings, read straight from the tables. */
async function oldRows(db: TestDatabase) {
  const usage = await db.query<{ r: string }>(
    `SELECT concat_ws('|', u.username, s.date::text, s.total_tokens, s.input_tokens, s.output_tokens,
                      s.cache_creation_input_tokens, s.cache_read_input_tokens, s.total_cost::text) AS r
       FROM usage_stats s JOIN users u ON u.id = s.user_id WHERE s.date < $1::date`,
    [KEPT_FROM],
  );
  const models = await db.query<{ r: string }>(
    `SELECT concat_ws('|', u.username, s.date::text, m.model, m.provider, m.input_tokens, m.output_tokens,
                      m.cache_creation_input_tokens, m.cache_read_input_tokens, m.cost::text) AS r
       FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id JOIN users u ON u.id = s.user_id WHERE s.date < $1::date`,
    [KEPT_FROM],
  );
  const devices = await db.query<{ r: string }>(
    `SELECT concat_ws('|', u.username, d.device, d.date::text, d.total_tokens, d.input_tokens, d.output_tokens,
                      d.cache_creation_input_tokens, d.cache_read_input_tokens, d.total_cost::text, d.content_hash,
                      (SELECT count(*) FROM device_day_models m WHERE m.device_day_id = d.id)) AS r
       FROM device_days d JOIN users u ON u.id = d.user_id WHERE d.date < $1::date`,
    [KEPT_FROM],
  );
  const sorted = (rows: Array<{ r: string }>) => rows.map((x) => x.r).sort();
  return { usage: sorted(usage), models: sorted(models), devices: sorted(devices) };
}

/** Telemetry's daily rows of retired months (telemetry_day_models, activity_days), as the archive's lines read back. */
async function oldTelemetryRows(db: TestDatabase) {
  const telemetry = await db.query<{ r: string }>(
    `SELECT concat_ws('|', u.username, t.device, t.date::text, t.model, t.provider, t.input_tokens, t.output_tokens,
                      t.cache_creation_input_tokens, t.cache_read_input_tokens, t.cost::text) AS r
       FROM telemetry_day_models t JOIN users u ON u.id = t.user_id WHERE t.date < $1::date`,
    [KEPT_FROM],
  );
  const activity = await db.query<{ r: string }>(
    `SELECT concat_ws('|', u.username, a.date::text, a.metric, a.key, a.value::text) AS r
       FROM activity_days a JOIN users u ON u.id = a.user_id WHERE a.date < $1::date`,
    [KEPT_FROM],
  );
  return { telemetry: telemetry.map((x) => x.r).sort(), activity: activity.map((x) => x.r).sort() };
}

/**
 * Telemetry only accepts recent points, so rows of old months are written as the ledger would have
 * written them then: telemetry sums for a device and day, and activity with its month's sum.
 */
async function seedOldTelemetry(db: TestDatabase): Promise<void> {
  const old = day(-140);
  await db.query(
    `INSERT INTO telemetry_day_models (user_id, device, date, model, provider, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost)
     SELECT id, 'otel', $1::date, 'claude-opus-4-1-20250805', 'anthropic', 11, 22, 33, 44, 0.1234567891 FROM users WHERE username = 'alice'`,
    [old],
  );
  for (const [metric, key, value] of [
    ['linesAdded', '', '120'],
    ['activeTime', 'user', '61.5'],
    ['editsAccepted', 'Edit|TypeScript', '3'],
  ]) {
    await db.query(
      `INSERT INTO activity_days (user_id, date, metric, key, value) SELECT id, $1::date, $2, $3, $4::numeric FROM users WHERE username = 'alice'`,
      [old, metric, key, value],
    );
    await db.query(
      `INSERT INTO activity_months (user_id, month, metric, key, value) SELECT id, date_trunc('month', $1::date)::date, $2, $3, $4::numeric FROM users WHERE username = 'alice'
       ON CONFLICT (user_id, month, metric, key) DO UPDATE SET value = activity_months.value + EXCLUDED.value`,
      [old, metric, key, value],
    );
  }
}

interface ArchiveModel {
  model: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
  cost: string;
}
interface ArchiveLine {
  kind: 'usage' | 'device' | 'telemetry' | 'activity';
  username: string;
  model?: string;
  provider?: string;
  cost?: string;
  metric?: string;
  key?: string;
  value?: string;
  device?: string;
  date: string;
  totalTokens: number;
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
  totalCost: string;
  contentHash?: string;
  models: ArchiveModel[];
}

/** The same canonical strings, read back from the archive files. */
function archivedRows(dir: string) {
  const lines: ArchiveLine[] = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl.gz'))
    .flatMap((f) =>
      gunzipSync(readFileSync(join(dir, f)))
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ArchiveLine),
    );
  const tokens = (l: { inputTokens: number; outputTokens: number; cacheCreationInputTokens: number; cacheReadInputTokens: number }) => [
    l.inputTokens,
    l.outputTokens,
    l.cacheCreationInputTokens,
    l.cacheReadInputTokens,
  ];
  const usage = lines.filter((l) => l.kind === 'usage');
  const devices = lines.filter((l) => l.kind === 'device');
  const telemetry = lines.filter((l) => l.kind === 'telemetry');
  const activity = lines.filter((l) => l.kind === 'activity');
  return {
    telemetry: telemetry.map((l) => [l.username, l.device, l.date, l.model, l.provider, ...tokens(l), l.cost].join('|')).sort(),
    activity: activity.map((l) => [l.username, l.date, l.metric, l.key, l.value].join('|')).sort(),
    usage: usage.map((l) => [l.username, l.date, l.totalTokens, ...tokens(l), l.totalCost].join('|')).sort(),
    models: usage.flatMap((l) => l.models.map((m) => [l.username, l.date, m.model, m.provider, ...tokens(m), m.cost].join('|'))).sort(),
    devices: devices.map((l) => [l.username, l.device, l.date, l.totalTokens, ...tokens(l), l.totalCost, l.contentHash, l.models.length].join('|')).sort(),
    kinds: lines.length === usage.length + devices.length + telemetry.length + activity.length,
  };
}

describe('retention', () => {
  let db: TestDatabase;
  let t: TestApp;
  let dir: string;
  let names: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'ccs-archive-'));
    chmodSync(dir, 0o755); // as `install -d` or a 022 umask would leave it: retention narrows it
    t = await startApp(db, {
      ADMIN_TOKEN: ADMIN,
      BACKUP_ENABLED: 'false',
      RETENTION_DAYS: String(RETENTION_DAYS),
      RETENTION_CRON: '0 0 1 1 *', // never during the test: runs go through the endpoint
      ARCHIVE_DIR: dir,
      LOG_LEVEL: 'warn',
    });
    names = await uploadUsage(t);
    await seedOldTelemetry(db);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, query: Record<string, string | number> = {}) => (await t.http.get(path).query(query).expect(200)).body;

  /** Everything the API answers that retention must not change. */
  async function answers() {
    const oldest = day(-149);
    const out: Record<string, unknown> = {
      boardAll: await get('/api/v1/leaderboard', { period: 'all', limit: 100 }),
      boardAllTokens: await get('/api/v1/leaderboard', { period: 'all', metric: 'tokens', limit: 100 }),
      boardWholeMonths: await get('/api/v1/leaderboard', { from: monthStart(oldest), to: day(-10), limit: 100 }),
      board30: await get('/api/v1/leaderboard', { period: '30d', limit: 100 }),
      summary: await get('/api/v1/stats/summary'),
      summaryRange: await get('/api/v1/stats/summary', { from: monthStart(day(-120)), to: day(-5) }),
      models: await get('/api/v1/models'),
      modelsRange: await get('/api/v1/models', { from: day(-120), to: day(-5) }),
      providers: await get('/api/v1/providers'),
      modelSeries: await get(`/api/v1/models/${MODELS[0]}/usage`, { from: day(-140), to: TODAY, granularity: 'day' }),
      // Telemetry's activity (seeded on day -140): by month, a leaderboard over all time and one cutting the month.
      activityMonths: await get('/api/v1/users/alice/activity', { from: monthStart(day(-170)), to: TODAY, granularity: 'month' }),
      linesBoardAll: await get('/api/v1/leaderboard', { period: 'all', metric: 'linesAdded' }),
      activeTimeRanks: await get('/api/v1/users/alice/ranks', { metric: 'activeTime' }),
    };
    for (const name of names) {
      const { devices: _devices, ...profile } = await get(`/api/v1/users/${name}`);
      out[`profile:${name}`] = profile;
      out[`months:${name}`] = await get(`/api/v1/users/${name}/usage`, { from: monthStart(day(-170)), to: TODAY, granularity: 'month' });
    }
    return out;
  }

  it('retires whole old months: answers unchanged, archives hold exactly the deleted rows, a second run retires nothing', async () => {
    const months = await expectedMonths(db);
    expect(months.length).toBeGreaterThanOrEqual(3); // ~5 months of data, the last two or three kept
    const before = await answers();
    const linesCutBefore = await get('/api/v1/leaderboard', { from: day(-141), to: day(-10), metric: 'linesAdded' });
    const partialBefore = await get('/api/v1/leaderboard', { from: monthStart(day(-120)), to: day(-10), limit: 100 });
    const summaryPartBefore = await get('/api/v1/stats/summary', { from: day(-120), to: day(-5) });
    const widened90Before = await get('/api/v1/leaderboard', { from: monthStart(day(-89)), to: TODAY, limit: 100 });
    const dayRowsBefore = await get('/api/v1/users/alice/usage', { from: monthStart(day(-170)), to: TODAY, granularity: 'day' });
    const rowsBefore = await oldRows(db);
    expect(rowsBefore.usage.length).toBeGreaterThan(100);
    const telemetryBefore = await oldTelemetryRows(db);
    expect(telemetryBefore.telemetry).toHaveLength(1);
    expect(telemetryBefore.activity).toHaveLength(3);
    const activityMonthsBefore = await db.query('SELECT user_id, month::text, metric, key, value::text FROM activity_months ORDER BY 1, 2, 3, 4');
    // alice's data starts 149 days back, cy's 160: whether alice has a row in the oldest month depends on today.
    const aliceDataMonths = await monthsWithData(db, 'alice');
    expect(aliceDataMonths.length).toBeGreaterThanOrEqual(2);

    const run = await t.http.post('/api/v1/maintenance/retention').set('Authorization', `Bearer ${ADMIN}`).expect(200);
    expect(run.body).toMatchObject({ retentionDays: RETENTION_DAYS, keptFrom: KEPT_FROM });
    expect(run.body.months.map((m: { month: string }) => m.month)).toEqual(months);
    const sum = (k: string) => run.body.months.reduce((s: number, m: Record<string, number>) => s + m[k], 0);
    expect(sum('usageDays')).toBe(rowsBefore.usage.length);
    expect(sum('modelRows')).toBe(rowsBefore.models.length);
    expect(sum('deviceDays')).toBe(rowsBefore.devices.length);
    expect(sum('telemetryRows')).toBe(telemetryBefore.telemetry.length);
    expect(sum('activityRows')).toBe(telemetryBefore.activity.length);

    // The daily rows are gone, the archive has them, one file per month; activity keeps its monthly sums.
    expect(await oldRows(db)).toEqual({ usage: [], models: [], devices: [] });
    expect(await oldTelemetryRows(db)).toEqual({ telemetry: [], activity: [] });
    expect(await db.query('SELECT user_id, month::text, metric, key, value::text FROM activity_months ORDER BY 1, 2, 3, 4')).toEqual(activityMonthsBefore);
    expect(readdirSync(dir).sort()).toEqual(months.map((m) => `usage_${m}.jsonl.gz`));
    // Archives hold every user's data: 0600 files in a 0700 directory.
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(dir)) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    const archived = archivedRows(dir);
    expect(archived.kinds).toBe(true);
    expect({ usage: archived.usage, models: archived.models, devices: archived.devices }).toEqual(rowsBefore);
    expect({ telemetry: archived.telemetry, activity: archived.activity }).toEqual(telemetryBefore);
    const retired = await db.query<{ month: string; days: number; archive: string }>(
      `SELECT to_char(month, 'YYYY-MM') AS month, days, archive FROM retired_months ORDER BY month`,
    );
    expect(retired.map((r) => [r.month, r.archive])).toEqual(months.map((m) => [m, `usage_${m}.jsonl.gz`]));
    expect(retired.reduce((s, r) => s + Number(r.days), 0)).toBe(rowsBefore.usage.length);

    // Every answer is the same; those that reach into retired months say so.
    const after = await answers();
    const withoutMarks = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value, (k, v) => (k === 'granularity' || k === 'retiredMonths' ? undefined : v)));
    // Only months are left of a retired month's activity: over all time, an activity leaderboard whose
    // only activity is in it spans the whole month.
    const seeded = day(-140);
    const monthEnd = new Date(Date.UTC(Number(seeded.slice(0, 4)), Number(seeded.slice(5, 7)), 0)).toISOString().slice(0, 10);
    before.linesBoardAll = { ...(before.linesBoardAll as object), from: monthStart(seeded), to: monthEnd };
    const ranksBefore = before.activeTimeRanks as { ranks: Array<{ period: string; from: string; to: string }> };
    before.activeTimeRanks = {
      ...ranksBefore,
      ranks: ranksBefore.ranks.map((r) => (r.period === 'all' ? { ...r, from: monthStart(seeded), to: monthEnd } : r)),
    };
    for (const key of Object.keys(before)) {
      expect({ key, answer: withoutMarks(after[key]) }).toEqual({ key, answer: withoutMarks(before[key]) });
    }
    expect((before.boardAll as { granularity: string }).granularity).toBe('day');
    expect((after.boardAll as { granularity: string }).granularity).toBe('month');
    expect((after.boardWholeMonths as { granularity: string }).granularity).toBe('month');
    expect((after.board30 as { granularity: string }).granularity).toBe('day');
    const aliceMonths = after['months:alice'] as { retiredMonths: string[]; rows: Array<{ date: string; granularity?: string }> };
    expect(aliceMonths.retiredMonths).toEqual(months.map((m) => `${m}-01`));
    expect(aliceMonths.rows.filter((r) => r.granularity === 'month').map((r) => r.date)).toEqual(aliceDataMonths.map((m) => `${m}-01`));

    // A range starting inside a retired month counts that month whole, and says so.
    const partial = await get('/api/v1/leaderboard', { from: day(-120), to: day(-10), limit: 100 });
    if (months.includes(day(-120).slice(0, 7))) {
      expect(partial.granularity).toBe('month');
      expect(partial.entries).toEqual(partialBefore.entries);
    }

    // Totals over a range starting mid-month stay exact (day_stats keeps days); the top user is the widened leaderboard's.
    const summaryPart = await get('/api/v1/stats/summary', { from: day(-120), to: day(-5) });
    expect({ ...summaryPart, topUser: null, granularity: null, activity: null }).toEqual({
      ...summaryPartBefore,
      topUser: null,
      granularity: null,
      activity: null,
    });
    // Activity keeps no days in a retired month: a range cutting it counts its activity whole, as leaderboards do.
    const cutMonth = monthStart(day(-120));
    const seededInCut = months.includes(cutMonth.slice(0, 7)) && monthStart(day(-140)) === cutMonth;
    expect(summaryPartBefore.activity.linesAdded).toBe(0);
    expect(summaryPart.activity.linesAdded).toBe(seededInCut ? 120 : 0);
    if (months.includes(day(-120).slice(0, 7))) {
      expect(summaryPart.granularity).toBe('month');
      const board = await get('/api/v1/leaderboard', { from: day(-120), to: day(-5), limit: 1 });
      expect(summaryPart.topUser).toEqual({ username: board.entries[0].username, totalCost: board.entries[0].totalCost });
    }

    // The 90-day period starts inside a retired month (today - 89 is before KEPT_FROM): that month counts whole.
    const board90 = await get('/api/v1/leaderboard', { period: '90d', limit: 100 });
    if (months.includes(day(-89).slice(0, 7))) {
      expect(board90.granularity).toBe('month');
      expect(board90.entries).toEqual(widened90Before.entries);
    }

    // Daily usage: a retired month is one row, the month's sums, with its models.
    const dayRowsAfter = await get('/api/v1/users/alice/usage', { from: monthStart(day(-170)), to: TODAY, granularity: 'day' });
    const monthRows = new Map((before['months:alice'] as { rows: Array<{ date: string }> }).rows.map((r) => [r.date, r]));
    const expectedDayRows = [
      ...aliceDataMonths.map((m) => ({ ...monthRows.get(`${m}-01`)!, granularity: 'month' })),
      ...dayRowsBefore.rows.filter((r: { date: string }) => r.date >= KEPT_FROM),
    ];
    expect(dayRowsAfter.rows).toEqual(expectedDayRows);
    expect(dayRowsAfter.totals).toEqual(dayRowsBefore.totals);

    // Activity by day: the retired month is one row dated its first day, with its keys (edit decisions per tool and language).
    const activityDaysAfter = await get('/api/v1/users/alice/activity', { from: monthStart(day(-170)), to: TODAY, granularity: 'day' });
    const seededMonth = monthStart(day(-140));
    expect(activityDaysAfter.retiredMonths).toContain(seededMonth);
    expect(activityDaysAfter.rows).toEqual([expect.objectContaining({ date: seededMonth, linesAdded: 120, activeTimeUser: 61.5, editsAccepted: 3 })]);
    expect(activityDaysAfter.editDecisions).toEqual([{ tool: 'Edit', language: 'TypeScript', accepted: 3, rejected: 0 }]);
    // A range cutting the retired month counts its activity whole, as token leaderboards count its usage.
    const linesCut = await get('/api/v1/leaderboard', { from: day(-141), to: day(-10), metric: 'linesAdded' });
    expect([linesCutBefore.granularity, linesCut.granularity]).toEqual(['day', 'month']);
    expect(linesCut.entries.map((e: { username: string; value: string }) => [e.username, e.value])).toEqual([['alice', '120']]);
    expect(linesCutBefore.entries.map((e: { username: string; value: string }) => [e.username, e.value])).toEqual([['alice', '120']]);

    // Nothing left to retire; the files are untouched.
    const again = await t.http.post('/api/v1/maintenance/retention').set('Authorization', `Bearer ${ADMIN}`).expect(200);
    expect(again.body.months).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(months.map((m) => `usage_${m}.jsonl.gz`));
  });

  it('ignores uploaded days in retired months, with a warning, and stores the rest', async () => {
    const [month] = await expectedMonths(db).then(async () =>
      (await db.query<{ m: string }>(`SELECT month::text AS m FROM retired_months ORDER BY month`)).map((r) => r.m),
    );
    expect(month).toBeDefined();
    const stats = `SELECT total_tokens::text, total_cost::text, active_days, day_mask FROM user_month_stats
                    WHERE month = $1::date AND user_id = (SELECT id FROM users WHERE username = 'alice')`;
    const monthBefore = await db.query(stats, [month]);
    const profileBefore = await get('/api/v1/users/alice');
    const body = report(9, 1, 0);
    const live = body.daily[0];
    const old = { ...live, date: `${month.slice(0, 7)}-15` };
    const res = await upload(t.http, undefined, { daily: [old, live], totals: {} }, { device: 'tablet', username: 'alice' })
      .set('Authorization', `Bearer ${ADMIN}`)
      .expect(200);
    expect(res.body).toMatchObject({ days: 2, ignored: 1, inserted: 1, updated: 0, unchanged: 0 });
    expect(res.body.warnings.join(' ')).toContain(`${month.slice(0, 7)}-15`);
    expect(res.body.warnings.join(' ')).toContain('retired');
    expect(await db.query(`SELECT 1 FROM usage_stats WHERE date = $1::date`, [old.date])).toEqual([]);
    expect(await db.query(`SELECT 1 FROM device_days WHERE date = $1::date`, [old.date])).toEqual([]);
    expect(await db.query(stats, [month])).toEqual(monthBefore);
    // The all-time numbers, now derived from the monthly tables, still hold the retired months.
    const profile = await get('/api/v1/users/alice');
    expect(profile.firstDate).toBe(profileBefore.firstDate);
    expect(profile.firstDate < KEPT_FROM).toBe(true);
    expect(profile.totals.totalTokens).toBe(profileBefore.totals.totalTokens + live.totalTokens);
    expect(profile.activeDays).toBe(profileBefore.activeDays);
  });

  it('answers 409 when retention is off, and 401/403 without the admin token', async () => {
    await t.http.post('/api/v1/maintenance/retention').expect(401);
    const off = await startApp(db, { ADMIN_TOKEN: ADMIN, BACKUP_ENABLED: 'false', LOG_LEVEL: 'warn' });
    try {
      const res = await off.http.post('/api/v1/maintenance/retention').set('Authorization', `Bearer ${ADMIN}`).expect(409);
      expect(res.body.detail).toContain('RETENTION_DAYS');
    } finally {
      await off.close();
    }
  });
});

describe('scheduled retention with two app instances on one database', () => {
  let db: TestDatabase;
  let dir: string;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'ccs-archive-'));
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retires each month exactly once', async () => {
    const loader = await startApp(db, { BACKUP_ENABLED: 'false', LOG_LEVEL: 'warn' });
    await uploadUsage(loader);
    await loader.close();
    const months = await expectedMonths(db);
    const rowsBefore = await oldRows(db);

    const env = { BACKUP_ENABLED: 'false', RETENTION_DAYS: String(RETENTION_DAYS), RETENTION_CRON: '* * * * * *', ARCHIVE_DIR: dir, LOG_LEVEL: 'warn' };
    apps.push(...(await Promise.all([startApp(db, env), startApp(db, env)])));
    const retiredCount = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM retired_months`))[0].n);
    const deadline = Date.now() + 20_000;
    while ((await retiredCount()) < months.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 2500)); // a few more ticks on both instances
    for (const a of apps.splice(0)) await a.close();

    expect(await retiredCount()).toBe(months.length);
    // A month retired twice would have been archived again, from no rows, over the first archive;
    // the archives hold every deleted row, so each month was archived and deleted once.
    expect(readdirSync(dir).sort()).toEqual(months.map((m) => `usage_${m}.jsonl.gz`));
    const archived = archivedRows(dir);
    expect({ usage: archived.usage, models: archived.models, devices: archived.devices }).toEqual(rowsBefore);
    expect({ telemetry: archived.telemetry, activity: archived.activity }).toEqual({ telemetry: [], activity: [] });
  });
});
