import type { Meter } from '@opentelemetry/api';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Browser, Page } from 'playwright-core';
import { utcDay } from '../../src/common/dates.js';
import { addDays, bucketsOf, formatDuration, formatInt, formatRate } from '../../web/src/format.js';
import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import { otelFixture, shiftTimes } from '../helpers/otlp.js';
import type { TestApp } from '../helpers/test-app.js';
import { browserUnavailable, DESKTOP, openPage, PHONE, REQUIRED, screenshot, screenshotOf, useBrowserApp } from './browser.js';

/**
 * Claude Code's own telemetry in the dashboard, in a real Chromium against the real service: the
 * Get started settings name this server and the user's token (and work when followed), the check
 * shows what arrived, and the numbers Claude Code exported (real captures, sent through the
 * receiver) are what the profile, leaderboard and summary show.
 */
const unavailable = browserUnavailable();
if (unavailable && REQUIRED) throw new Error(`browser tests required (BROWSER_TESTS=required) but ${unavailable}`);
if (unavailable) process.stderr.write(`telemetry browser tests skipped: ${unavailable}\n`);
const describeBrowser = unavailable ? describe.skip : describe;

type Json = Record<string, unknown>;
type Attribute = { key: string; value: Record<string, unknown> };

/** Counters Claude Code exports only when it makes a commit or a pull request (the captures have none). */
type Made = { commits?: number; pullRequests?: number };

/**
 * One Claude Code session as it exported itself: the real captures with their times moved to end
 * at `endMs`, another session id, and the resource attributes OTEL_RESOURCE_ATTRIBUTES would add.
 * Commits and pull requests made are added as Claude Code adds them: sums shaped like the
 * capture's session count, under their own names.
 */
function session(signal: 'metrics' | 'logs', endMs: number, sessionId: string, resource: Record<string, string> = {}, made: Made = {}): Json {
  const name = signal === 'metrics' ? 'otlp-json-delta-metrics.json' : 'otlp-json-logs.json';
  const source = JSON.parse(otelFixture(name).toString('utf8')) as Json;
  if (signal === 'metrics') {
    const metrics = (source as unknown as WireMetrics).resourceMetrics[0].scopeMetrics[0].metrics;
    const count = metrics.find((m) => m.name === 'claude_code.session.count')!;
    for (const [metric, n] of [
      ['claude_code.commit.count', made.commits],
      ['claude_code.pull_request.count', made.pullRequests],
    ] as const) {
      if (!n) continue;
      const added = structuredClone(count);
      added.name = metric;
      for (const point of added.sum!.dataPoints) {
        point.asDouble = n;
        point.attributes = point.attributes?.filter((a) => a.key !== 'start_type');
      }
      metrics.push(added);
    }
  }
  const capture = shiftTimes(source, endMs);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const attribute = value as Attribute;
      if (attribute.key === 'session.id' && typeof attribute.value?.stringValue === 'string') attribute.value = { stringValue: sessionId };
      Object.values(value).forEach(visit);
    }
  };
  visit(capture);
  const key = signal === 'metrics' ? 'resourceMetrics' : 'resourceLogs';
  for (const r of capture[key] as Array<{ resource: { attributes: Attribute[] } }>) {
    for (const [k, v] of Object.entries(resource)) r.resource.attributes.push({ key: k, value: { stringValue: v } });
  }
  return capture;
}

/** A real ccusage report moved in time so that its last day is `lastDay`. */
function redated(name: string, lastDay: string): { daily: Array<{ date: string }> } {
  const report = structuredClone(fixture(name)) as { daily: Array<{ date: string }> };
  const last = report.daily
    .map((d) => d.date)
    .sort()
    .at(-1)!;
  const shift = Math.round((Date.parse(lastDay) - Date.parse(last)) / 86_400_000);
  for (const day of report.daily) day.date = addDays(day.date, shift);
  return report;
}

/** What Claude Code's exports said, tallied from the OTLP JSON sent (never from the service's answers). */
interface Tally {
  sessions: number;
  linesAdded: number;
  linesRemoved: number;
  commits: number;
  pullRequests: number;
  editsAccepted: number;
  editsRejected: number;
  /** Active time in milliseconds (exact: Claude Code sends at most 3 decimals of a second). */
  activeMsUser: number;
  activeMsCli: number;
  apiRequests: number;
  apiErrors: number;
  /** tool|language → decisions. */
  edits: Map<string, { accepted: number; rejected: number }>;
  /** model → API requests and errors. */
  models: Map<string, { requests: number; errors: number }>;
  /** UTC days of the points. */
  days: Set<string>;
}

function emptyTally(): Tally {
  return {
    sessions: 0,
    linesAdded: 0,
    linesRemoved: 0,
    commits: 0,
    pullRequests: 0,
    editsAccepted: 0,
    editsRejected: 0,
    activeMsUser: 0,
    activeMsCli: 0,
    apiRequests: 0,
    apiErrors: 0,
    edits: new Map(),
    models: new Map(),
    days: new Set(),
  };
}

function attributesOf(list: Attribute[] = []): Record<string, string> {
  return Object.fromEntries(list.map((a) => [a.key, String(Object.values(a.value)[0])]));
}

const dayOfNanos = (nanos: string) => new Date(Number(BigInt(nanos) / 1_000_000n)).toISOString().slice(0, 10);

type WirePoint = { attributes?: Attribute[]; asDouble?: number; asInt?: string | number; timeUnixNano: string };
type WireMetrics = { resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string; sum?: { dataPoints: WirePoint[] } }> }> }> };
type WireLogs = { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ attributes?: Attribute[]; timeUnixNano: string }> }> }> };

function tallyMetrics(tally: Tally, body: Json): void {
  for (const rm of (body as unknown as WireMetrics).resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const metric of sm.metrics) {
        for (const point of metric.sum?.dataPoints ?? []) {
          const value = point.asDouble ?? Number(point.asInt);
          const a = attributesOf(point.attributes);
          tally.days.add(dayOfNanos(point.timeUnixNano));
          switch (metric.name) {
            case 'claude_code.session.count':
              tally.sessions += value;
              break;
            case 'claude_code.lines_of_code.count':
              if (a.type === 'added') tally.linesAdded += value;
              if (a.type === 'removed') tally.linesRemoved += value;
              break;
            case 'claude_code.commit.count':
              tally.commits += value;
              break;
            case 'claude_code.pull_request.count':
              tally.pullRequests += value;
              break;
            case 'claude_code.code_edit_tool.decision': {
              const key = `${a.tool_name}|${a.language ?? ''}`;
              const edits = tally.edits.get(key) ?? { accepted: 0, rejected: 0 };
              if (a.decision === 'accept') {
                edits.accepted += value;
                tally.editsAccepted += value;
              } else {
                edits.rejected += value;
                tally.editsRejected += value;
              }
              tally.edits.set(key, edits);
              break;
            }
            case 'claude_code.active_time.total':
              if (a.type === 'user') tally.activeMsUser += Math.round(value * 1000);
              if (a.type === 'cli') tally.activeMsCli += Math.round(value * 1000);
              break;
          }
        }
      }
    }
  }
}

function tallyLogs(tally: Tally, body: Json): void {
  for (const rl of (body as unknown as WireLogs).resourceLogs) {
    for (const sl of rl.scopeLogs) {
      for (const record of sl.logRecords) {
        const a = attributesOf(record.attributes);
        if (a['event.name'] !== 'api_request' && a['event.name'] !== 'api_error') continue;
        const model = tally.models.get(a.model) ?? { requests: 0, errors: 0 };
        if (a['event.name'] === 'api_request') {
          model.requests += 1;
          tally.apiRequests += 1;
        } else {
          model.errors += 1;
          tally.apiErrors += 1;
        }
        tally.models.set(a.model, model);
      }
    }
  }
}

/**
 * Runs the OpenTelemetry SDK as Claude Code does, configured only by `env` (endpoint, headers and
 * resource attributes are read from the environment by the SDK itself), records what `record`
 * records, and exports it once. Delta temporality, as Claude Code's default.
 */
async function exportFromEnv(env: Record<string, string>, record: (meter: Meter) => void): Promise<void> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const exporter = new OTLPMetricExporter({ temporalityPreference: AggregationTemporalityPreference.DELTA });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const resource = detectResources({ detectors: [envDetector] }).merge(resourceFromAttributes({ 'service.name': 'claude-code' }));
    const provider = new MeterProvider({ resource, readers: [reader] });
    record(provider.getMeter('com.anthropic.claude_code'));
    await provider.forceFlush();
    await provider.shutdown();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describeBrowser('telemetry in the dashboard', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  const today = utcDay(new Date());
  /** Every user's telemetry as sent, tallied from the request bodies. */
  const tallies = new Map<string, Tally>();
  const users: Record<'tina' | 'tom' | 'una', { username: string; token: string }> = {
    tina: { username: '', token: '' },
    tom: { username: '', token: '' },
    una: { username: '', token: '' },
  };
  /** tina's uploaded days (device laptop), the same device her telemetry names. */
  let uploadedDays: string[] = [];

  const open = useBrowserApp({}, (ready) => {
    ({ t, base, browser } = ready);
  });

  /** Sends one session's metrics and events through the receiver, as Claude Code's exporter does, and tallies them. */
  async function sendSession(who: keyof typeof users, endMs: number, sessionId: string, device: string, made: Made = {}): Promise<void> {
    const tally = tallies.get(users[who].username) ?? emptyTally();
    tallies.set(users[who].username, tally);
    for (const signal of ['metrics', 'logs'] as const) {
      const body = session(signal, endMs, sessionId, { 'ccstats.device': device }, made);
      const res = await t.http
        .post(`/v1/${signal}`)
        .set('Authorization', `Bearer ${users[who].token}`)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      expect(res.status).toBe(200);
      // A full success: nothing refused (a partial success would name rejected items).
      expect(res.body.partialSuccess ?? {}).toEqual({});
      if (signal === 'metrics') tallyMetrics(tally, body);
      else tallyLogs(tally, body);
    }
  }

  beforeAll(async () => {
    for (const name of Object.keys(users) as Array<keyof typeof users>) users[name] = await registerUser(t.http, `${name}-${process.pid}`);
    // tina: two sessions yesterday (a day her laptop also uploaded: the upload counts its tokens)
    // and three today, with commits and a pull request; tom: one session on his desktop; una:
    // uploads only.
    const now = Date.now();
    const day = 86_400_000;
    await sendSession('tina', now - day - 120_000, 'tina-yesterday-0', 'laptop', { commits: 2 });
    await sendSession('tina', now - day - 60_000, 'tina-yesterday-1', 'laptop', { commits: 1, pullRequests: 1 });
    for (let i = 0; i < 3; i++) await sendSession('tina', now - (3 - i) * 60_000, `tina-session-${i}`, 'laptop', { commits: i });
    await sendSession('tom', now - 30_000, 'tom-session', 'desktop');
    const report = redated('claude-daily.json', addDays(today, -1));
    uploadedDays = report.daily.map((d) => d.date);
    expect((await upload(t.http, users.tina.token, report, { device: 'laptop', tz: 'UTC' })).status).toBe(200);
    expect((await upload(t.http, users.una.token, report, { device: 'laptop', tz: 'UTC' })).status).toBe(200);
  });

  const api = async (path: string, token?: string) => {
    const req = t.http.get(path);
    if (token) void req.set('Authorization', `Bearer ${token}`);
    const res = await req;
    expect(res.status).toBe(200);
    return res.body;
  };

  /** The stat cards under a selector as label → value. */
  const stats = async (page: Page, selector: string) =>
    Object.fromEntries(
      await page
        .locator(`${selector} .stat`)
        .evaluateAll((cards) => cards.map((c) => [c.querySelector('.stat-label')!.textContent, c.querySelector('.stat-value')!.textContent])),
    ) as Record<string, string>;

  it('profile: the activity section shows what Claude Code exported, per bucket, per tool and language, per model', async () => {
    const tina = tallies.get(users.tina.username)!;
    expect([tina.sessions, tina.commits, tina.pullRequests]).toEqual([5, 6, 1]);
    const page = await open(`/u/${users.tina.username}?days=30`);
    await page.locator('[data-testid=activity-totals]').waitFor();
    expect(await stats(page, '[data-testid=activity-totals]')).toEqual({
      Sessions: formatInt(tina.sessions),
      'Lines added': formatInt(tina.linesAdded),
      'Lines removed': formatInt(tina.linesRemoved),
      Commits: formatInt(tina.commits),
      'Pull requests': formatInt(tina.pullRequests),
      'Active time (you)': formatDuration(tina.activeMsUser / 1000),
      'Active time (CLI)': formatDuration(tina.activeMsCli / 1000),
      'API requests': formatInt(tina.apiRequests),
      'API errors': formatInt(tina.apiErrors),
    });
    // The API says the same, to the millisecond.
    const from = addDays(today, -29);
    const activity = await api(`/api/v1/users/${users.tina.username}/activity?from=${from}&to=${today}&granularity=day`);
    expect({
      ...activity.totals,
      activeTimeUser: Math.round(activity.totals.activeTimeUser * 1000),
      activeTimeCli: Math.round(activity.totals.activeTimeCli * 1000),
    }).toEqual({
      sessions: tina.sessions,
      linesAdded: tina.linesAdded,
      linesRemoved: tina.linesRemoved,
      commits: tina.commits,
      pullRequests: tina.pullRequests,
      editsAccepted: tina.editsAccepted,
      editsRejected: tina.editsRejected,
      activeTimeUser: tina.activeMsUser,
      activeTimeCli: tina.activeMsCli,
      apiRequests: tina.apiRequests,
      apiErrors: tina.apiErrors,
    });

    // The chart: one point per day of the range; its table has each day's lines, and they add up.
    const chart = page.locator('figure[data-chart=activity-lines]');
    expect(JSON.parse((await chart.getAttribute('data-series'))!)).toEqual(['Lines added', 'Lines removed', 'Commits', 'Pull requests']);
    expect(await chart.getAttribute('data-points')).toBe('30');
    await chart.locator('canvas').first().waitFor();
    await screenshot(page, 'profile-activity-light-desktop');
    await screenshotOf(page.locator('[data-testid=activity]'), 'profile-activity');
    await chart.locator('summary').click();
    const rows = await chart.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    const added = rows.filter(([date]) => tina.days.has(date)).reduce((sum, r) => sum + Number(r[1]!.replaceAll(',', '')), 0);
    expect(added).toBe(tina.linesAdded);
    expect(rows.filter(([date, a, r]) => !tina.days.has(date) && (a !== '0' || r !== '0'))).toEqual([]);

    // Edit decisions per tool and language, with the accept rate; API requests per model.
    const edits = await page
      .locator('[data-testid=edit-decisions] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    expect(new Set(edits.map((r) => JSON.stringify(r)))).toEqual(
      new Set(
        [...tina.edits].map(([key, e]) => {
          const [tool, language] = key.split('|');
          return JSON.stringify([tool, language || '–', formatInt(e.accepted), formatInt(e.rejected), formatRate(e.accepted, e.accepted + e.rejected)]);
        }),
      ),
    );
    const models = await page
      .locator('[data-testid=api-by-model] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    expect(models).toEqual([...tina.models].map(([model, m]) => [model, formatInt(m.requests), formatInt(m.errors)]));

    // By week: the same range in weekly buckets.
    await page.locator('nav[aria-label=By] a[data-value=week]').click();
    await page.waitForURL(/granularity=week/);
    const profile = await api(`/api/v1/users/${users.tina.username}`);
    const range = await page.locator('[data-testid=range]').textContent();
    const [rangeFrom, rangeTo] = range!.split(' to ');
    expect(rangeTo).toBe(profile.lastDate);
    await page.locator(`figure[data-chart=activity-lines][data-points="${bucketsOf('week', rangeFrom, rangeTo).length}"]`).waitFor();
  });

  it('profile: no telemetry, one line; the owner sees per device and day what was counted', async () => {
    const page = await open(`/u/${users.una.username}?days=30`);
    await page.locator('[data-testid=activity-empty]').waitFor();
    expect(await page.locator('[data-testid=activity-totals]').count()).toBe(0);
    expect(await page.locator('figure[data-chart=activity-lines]').count()).toBe(0);

    // tina's own page: her laptop uploaded last week and sent telemetry today.
    const own = await open(`/u/${users.tina.username}?days=30`);
    await own.locator('details.owner summary').click();
    await own.locator('.token-form input').fill(users.tina.token);
    await own.locator('.token-form button').click();
    const device = own.locator('[data-testid=sources] tr[data-device=laptop]');
    await device.waitFor();
    const counted = (day: string) => (uploadedDays.includes(day) ? 'upload' : 'telemetry');
    const days = [...new Set([...uploadedDays, ...tallies.get(users.tina.username)!.days])].filter((d) => d >= addDays(today, -29));
    expect(await device.locator('td.upload-days').textContent()).toBe(String(days.filter((d) => counted(d) === 'upload').length));
    expect(await device.locator('td.telemetry-days').textContent()).toBe(String(days.filter((d) => counted(d) === 'telemetry').length));
    await own.locator('details:has([data-testid=source-days]) > summary').click();
    const shown = await own
      .locator('[data-testid=source-days] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-day'), tr.getAttribute('data-device'), tr.getAttribute('data-counted')]));
    expect(shown).toEqual(
      days
        .sort()
        .reverse()
        .map((d) => [d, 'laptop', counted(d)]),
    );
    const sources = await api(`/api/v1/users/${users.tina.username}/sources?from=${addDays(today, -29)}&to=${today}`, users.tina.token);
    const laptop = sources.devices.find((d: { device: string }) => d.device === 'laptop');
    expect(await device.locator('td:nth-child(5)').textContent()).toBe(`${new Date(laptop.lastTelemetryAt).toISOString().replace('T', ' ').slice(0, 16)} UTC`);
  });

  it('leaderboard: ranked by lines added as exported, each value formatted for its metric, with sparklines', async () => {
    const expected = [...tallies].filter(([, tally]) => tally.linesAdded > 0).sort((a, b) => b[1].linesAdded - a[1].linesAdded || (a[0] < b[0] ? -1 : 1));
    // tina's five sessions out-add tom's one; una only uploaded, so she has no lines to rank.
    expect(expected.map(([name]) => name)).toEqual([users.tina.username, users.tom.username]);
    const page = await open('/leaderboard?period=7d&metric=linesAdded');
    await page.locator('table.leaderboard[data-metric=linesAdded] tbody tr').first().waitFor();
    const rows = page.locator('table.leaderboard tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-username')))).toEqual(expected.map(([name]) => name));
    expect(await page.locator('table.leaderboard td.metric').allTextContents()).toEqual(expected.map(([, tally]) => formatInt(tally.linesAdded)));
    expect(await page.locator('nav[aria-label="Ranked by"] a[aria-current=true]').textContent()).toBe('Lines added');
    // Today's lines are the sparkline's last point, its highest.
    const board = await api('/api/v1/leaderboard?period=7d&metric=linesAdded&limit=25&sparklines=true');
    for (const [i, [name, tally]] of expected.entries()) {
      const entry = board.entries[i];
      expect([entry.username, entry.value]).toEqual([name, String(tally.linesAdded)]);
      expect(await rows.nth(i).locator('svg.sparkline').getAttribute('data-points')).toBe('30');
      expect(entry.last30Days.map(Number).reduce((a: number, b: number) => a + b, 0)).toBe(tally.linesAdded);
    }

    // Active time reads as hours and minutes (or seconds), from each entry's value.
    await page.locator('nav[aria-label="Ranked by"] a[data-value=activeTime]').click();
    await page.waitForURL(/metric=activeTime/);
    await page.locator('table.leaderboard[data-metric=activeTime] tbody tr').first().waitFor();
    const byTime = await api('/api/v1/leaderboard?period=7d&metric=activeTime&limit=25');
    expect(await page.locator('table.leaderboard td.metric').allTextContents()).toEqual(
      byTime.entries.map((e: { value: string }) => formatDuration(Number(e.value))),
    );
    const tina = tallies.get(users.tina.username)!;
    const tinaEntry = byTime.entries.find((e: { username: string }) => e.username === users.tina.username);
    expect(Math.round(Number(tinaEntry.value) * 1000)).toBe(tina.activeMsUser + tina.activeMsCli);
    await screenshot(page, 'leaderboard-active-time-light-desktop');
  });

  it('summary: the community’s activity totals, as exported', async () => {
    const all = [...tallies.values()];
    const sum = (f: (t: Tally) => number) => all.reduce((s, t) => s + f(t), 0);
    const page = await open('/?days=30');
    await page.locator('[data-testid=summary-activity]').waitFor();
    expect(await stats(page, '[data-testid=summary-activity]')).toEqual({
      'Users with telemetry': formatInt(all.length),
      Sessions: formatInt(sum((t) => t.sessions)),
      'Lines added': formatInt(sum((t) => t.linesAdded)),
      'Lines removed': formatInt(sum((t) => t.linesRemoved)),
      Commits: formatInt(sum((t) => t.commits)),
      'Pull requests': formatInt(sum((t) => t.pullRequests)),
      'Active time': formatDuration(sum((t) => t.activeMsUser + t.activeMsCli) / 1000),
      'API requests': formatInt(sum((t) => t.apiRequests)),
      'API errors': formatInt(sum((t) => t.apiErrors)),
    });
    await screenshot(page, 'summary-activity-light-desktop');
  });

  it('writes screenshots of the activity views, light and dark, desktop and phone', async () => {
    const views: Array<[string, string, string]> = [
      ['profile-activity', `/u/${users.tina.username}?days=30`, 'figure[data-chart=activity-lines] canvas'],
      ['leaderboard-lines', '/leaderboard?period=7d&metric=linesAdded', 'table.leaderboard tbody tr'],
      ['start-telemetry', '/start', '[data-testid=telemetry-shell]'],
    ];
    for (const [name, path, ready] of views) {
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const [size, viewport] of [
          ['desktop', DESKTOP],
          ['phone', PHONE],
        ] as const) {
          const page = await open(path, { colorScheme, viewport });
          await page.locator(ready).first().waitFor();
          await screenshot(page, `${name}-${colorScheme}-${size}`);
          // Nothing wider than the screen on a phone but the scrollable tables.
          if (size === 'phone') expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
        }
      }
    }
  }, 300_000);

  it('get started: the telemetry settings name this server and the new token, and work as written', async () => {
    const page = await open('/start');
    // Before registering: placeholders, never someone else's token.
    expect(await page.locator('[data-testid=telemetry-shell]').textContent()).toContain("OTEL_EXPORTER_OTLP_HEADERS='Authorization=Bearer <your token>'");
    const name = `otel-${process.pid}`;
    await page.locator('form.register input[name=username]').fill(name);
    await page.locator('form.register button').click();
    const token = (await page.locator('[data-testid=new-token]').textContent())!;
    expect(token).toMatch(/^ccs_/);

    const shell = (await page.locator('[data-testid=telemetry-shell]').textContent())!;
    expect(shell.split('\n')).toEqual([
      'export CLAUDE_CODE_ENABLE_TELEMETRY=1',
      'export OTEL_METRICS_EXPORTER=otlp',
      'export OTEL_LOGS_EXPORTER=otlp',
      'export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
      `export OTEL_EXPORTER_OTLP_ENDPOINT=${base}`,
      `export OTEL_EXPORTER_OTLP_HEADERS='Authorization=Bearer ${token}'`,
      'export OTEL_RESOURCE_ATTRIBUTES="ccstats.device=$(hostname)"',
    ]);
    // The device name typed once goes into the upload command and every settings block.
    await page.locator('input[name=device]').fill('work laptop');
    await page.locator('[data-testid=telemetry-shell]', { hasText: 'ccstats.device=work%20laptop' }).waitFor();
    expect(await page.locator('[data-testid=upload-command]').textContent()).toContain(`${base}/api/v1/uploads?device=work%20laptop&tz=UTC`);
    const settings = JSON.parse((await page.locator('[data-testid=telemetry-settings]').textContent())!) as { env: Record<string, string> };
    expect(settings.env).toEqual({
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: base,
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${token}`,
      OTEL_RESOURCE_ATTRIBUTES: 'ccstats.device=work%20laptop',
    });
    // The organisation's file never carries this person's token.
    const managed = JSON.parse((await page.locator('[data-testid=telemetry-managed]').textContent())!) as { env: Record<string, string> };
    expect(Object.keys(managed.env)).toEqual(Object.keys(settings.env));
    expect(managed.env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(base);
    expect(JSON.stringify(managed)).not.toContain(token);
    await screenshot(page, 'start-telemetry-light-desktop');

    // Followed as written: Claude Code's own exporter (the OpenTelemetry SDK it ships), configured
    // from nothing but these variables, reaches this user's ledger under the device named.
    expect(settings.env.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('http/protobuf');
    await exportFromEnv(settings.env, (meter) => {
      const attributes = { 'session.id': 'start-page', model: 'claude-sonnet-4-5-20250929' };
      meter.createCounter('claude_code.token.usage').add(1234, { ...attributes, type: 'input' });
      meter.createCounter('claude_code.lines_of_code.count').add(42, { ...attributes, type: 'added' });
    });
    tallies.set(name, { ...emptyTally(), linesAdded: 42, days: new Set([today]) });
    const profile = await t.http.get(`/api/v1/users/${name}`);
    expect(profile.status).toBe(200);
    expect(profile.body.devices.map((d: { device: string }) => d.device)).toEqual(['work laptop']);
    expect(profile.body.totals.totalTokens).toBe(1234);

    // The check shows what arrived with this token: one metrics batch from the device named, both points counted.
    await page.locator('button', { hasText: 'Check my telemetry' }).click();
    const row = page.locator('[data-testid=telemetry-status] tr[data-device="work laptop"][data-signal=metrics]');
    await row.waitFor();
    const status = await api('/api/v1/telemetry/status', token);
    const receipt = status.devices.find((d: { device: string; signal: string }) => d.device === 'work laptop' && d.signal === 'metrics');
    expect([receipt.batches, receipt.accepted, receipt.duplicates, receipt.refused]).toEqual([1, 2, 0, 0]);
    expect(await row.locator('td.accepted').textContent()).toBe('2');
    expect(await row.locator('td.refused').textContent()).toBe('0');
    expect(await row.locator('td.last-at').textContent()).toBe(`${new Date(receipt.lastAt).toISOString().replace('T', ' ').slice(0, 19)} UTC`);
    expect(await page.locator('[data-testid=telemetry-status]').getAttribute('data-receiving')).toBe('true');
    await screenshot(page, 'start-telemetry-light-desktop');
    await screenshotOf(page.locator('li:has(> h2:text("telemetry"))'), 'get-started-telemetry');
  });

  it('get started without a token: placeholders, then a pasted token fills the settings and checks what arrived', async () => {
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${base}/start`);
    const settings = async () => JSON.parse((await page.locator('[data-testid=telemetry-settings]').textContent())!) as { env: Record<string, string> };
    expect((await settings()).env.OTEL_EXPORTER_OTLP_HEADERS).toBe('Authorization=Bearer <your token>');
    expect((await settings()).env.OTEL_RESOURCE_ATTRIBUTES).toBe('ccstats.device=<device>');
    // A wrong token is refused where the check is, as Claude Code's batches with it would be.
    await page.locator('.steps .token-form input').fill('ccs_not_a_real_token');
    await page.locator('.steps .token-form button').click();
    await page.locator('button', { hasText: 'Check my telemetry' }).click();
    await page.locator('.steps .token-form p', { hasText: 'not accepted' }).waitFor();
    // The uploader's own token: filled in everywhere, and the check says nothing arrived, with the hint.
    await page.locator('.steps .token-form input').fill(users.una.token);
    await page.locator('.steps .token-form button').click();
    await page.locator('[data-testid=telemetry-settings]', { hasText: users.una.token }).waitFor();
    expect((await settings()).env.OTEL_EXPORTER_OTLP_HEADERS).toBe(`Authorization=Bearer ${users.una.token}`);
    expect(await page.locator('[data-testid=telemetry-managed]').textContent()).not.toContain(users.una.token);
    await page.locator('button', { hasText: 'Check my telemetry' }).click();
    await page.locator('[data-testid=telemetry-status]').waitFor();
    const status = await api('/api/v1/telemetry/status', users.una.token);
    expect(status.devices).toEqual([]);
    expect(await page.locator('[data-testid=telemetry-hint]').textContent()).toBe(status.hint);
    expect(await page.locator('[data-testid=telemetry-status] tbody tr').count()).toBe(0);
    // The browser logs the refused request; nothing else may go wrong.
    expect(problems.console.filter((m) => !m.includes('status of 401'))).toEqual([]);
    expect([problems.errors, problems.csp]).toEqual([[], []]);
    await context.close();
  });
});
