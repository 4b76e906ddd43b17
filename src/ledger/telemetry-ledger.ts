import { Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { addCosts } from '../common/decimal.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { type Database, rowsOf, transaction } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { activityDays, activityMonths, deviceDays, telemetryDayModels, telemetryReceipts, telemetrySeries } from '../db/schema.js';
import { PG_NUMERIC_OVERFLOW, pgErrorCode } from '../db/sql.js';
import type { DaySlice } from './day-slice.js';
import { lockUser, retiredAmong, sliceHash, writeSlices } from './slices.js';
import { changeDays, chunksOf } from './summaries.js';
import { type Covered, cumulativeStep, deltaStep, type SeriesState } from './telemetry-state.js';

/** The token kinds a telemetry point can add to, as the device ledger names them. */
export type TokenKind = 'input' | 'output' | 'cacheRead' | 'cacheCreation';

/** What only telemetry reports, per user and day (activity_days.metric). */
export const ACTIVITY_METRICS = [
  'sessions',
  'linesAdded',
  'linesRemoved',
  'commits',
  'pullRequests',
  'editsAccepted',
  'editsRejected',
  'activeTime',
  'apiRequests',
  'apiErrors',
] as const;
export type ActivityMetric = (typeof ACTIVITY_METRICS)[number];

/** Where a counted amount goes. */
export type TelemetryTarget =
  | { kind: 'tokens'; model: string; provider: string; tokenKind: TokenKind }
  | { kind: 'cost'; model: string; provider: string }
  | { kind: 'activity'; metric: ActivityMetric; key: string };

/**
 * One reading of a counter, as the ledger takes it: its series, temporality, interval (Unix
 * nanoseconds) and value, the device and UTC day it belongs to, and what it adds to. An event is a
 * delta reading of 1 at [position, position + 1] of its stream.
 */
export interface TelemetryReading {
  series: string;
  temporality: 'delta' | 'cumulative';
  start: bigint;
  end: bigint;
  value: number;
  device: string;
  day: string;
  target: TelemetryTarget;
}

export interface TelemetryBatch {
  userId: number;
  signal: 'metrics' | 'logs';
  readings: TelemetryReading[];
  /** Per device: what the exporter says of itself (shown to the owner; never identity). */
  devices: Map<string, { serviceVersion: string | null; identity: Record<string, string> }>;
  /** Items the receiver refused before the ledger, per device ('' when no device could be told), and why. */
  refused: Map<string, number>;
  reasons: string[];
}

export interface TelemetryOutcome {
  accepted: number;
  duplicates: number;
  refused: number;
  reasons: string[];
  /** Device-days whose slice telemetry wrote (no upload had reported them). */
  slicesWritten: number;
}

/**
 * How long a series' state is kept after its last point (maintenance forgets older ones). Longer
 * than the receiver's window for points (48 hours, otlp-readings.ts), so a retry of anything
 * counted always finds its series.
 */
export const SERIES_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const SERIES_TTL_NS = BigInt(SERIES_TTL_MS) * 1_000_000n;

/** Devices one user may report from, uploads and telemetry together (as uploads.service.ts). */
export const MAX_TELEMETRY_DEVICES = 50;

/**
 * Live series one user may have (telemetry_series rows): every Claude Code session starts about
 * fifteen, and the sweep forgets them after a week, so this holds over a thousand sessions a week.
 * A client inventing series (a new attribute value on every point) is refused past it.
 */
export const MAX_SERIES_PER_USER = 20_000;

/** Models on one device and day, as uploads allow (MAX_MODELS_PER_DAY of ingestion/ccusage). */
export const MAX_TELEMETRY_MODELS_PER_DAY = 100;

/** Reasons a reading is refused here, as partial_success reports them. */
const REASONS = {
  series: `the user already has ${MAX_SERIES_PER_USER} live telemetry series`,
  models: `more than ${MAX_TELEMETRY_MODELS_PER_DAY} models on one device and day`,
  overlap: 'a delta point overlaps an interval of its series already counted',
  tooOld: 'a point is older than what its series still remembers',
  retired: 'a point falls in a retired month (RETENTION_DAYS)',
  devices: `the user already reports from ${MAX_TELEMETRY_DEVICES} devices`,
} as const;

/** A float amount as an exact decimal text with `places` places (the columns' scale). */
const decimal = (value: number, places: number): string => value.toFixed(places);

interface SeriesRow {
  seriesKey: string;
  temporality: string;
  startNs: string | null;
  endNs: string | null;
  value: number | null;
  covered: Array<[string, string]> | null;
}

interface ModelSums {
  provider: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  cost: number;
}

/**
 * Telemetry's writes (issue 12, docs/otlp.md): readings become amounts once each (series state in
 * telemetry_series), amounts are added to telemetry_day_models and activity_days, and the device
 * ledger's slice of every device and day that telemetry touched and no upload reported is rebuilt
 * from telemetry_day_models, through the same writer as uploads, so usage_stats, model_usage and
 * every summary follow. All in one transaction under the user's row lock, like an upload: batches
 * of one user (and their uploads) serialize across replicas, other users' run in parallel.
 */
@Injectable()
export class TelemetryLedger {
  constructor(@InjectDb() private readonly db: Database) {}

  async record(batch: TelemetryBatch): Promise<TelemetryOutcome> {
    try {
      return await this.store(batch);
    } catch (error) {
      if (pgErrorCode(error) === PG_NUMERIC_OVERFLOW) {
        throw new DomainError(
          ErrorCode.UnprocessableReport,
          "This batch would take a sum past what the database keeps (a day's cost per device at most 999,999.9999 USD, counts below 2^63): nothing of it was stored.",
        );
      }
      throw error;
    }
  }

  private async store(batch: TelemetryBatch): Promise<TelemetryOutcome> {
    const { userId } = batch;
    return transaction(this.db, async (tx) => {
      await lockUser(tx, userId);
      const reasons = new Set(batch.reasons);
      const refusedPerDevice = new Map(batch.refused);
      const refuse = (device: string, reason: string) => {
        refusedPerDevice.set(device, (refusedPerDevice.get(device) ?? 0) + 1);
        reasons.add(reason);
      };
      const days = [...new Set(batch.readings.map((r) => r.day))].sort();
      const retired = days.length > 0 ? await retiredAmong(tx, days) : new Set<string>();
      // Every device the batch names, refused readings' too: a device over the cap gets no receipt either.
      const named = [...new Set([...batch.devices.keys(), ...batch.readings.map((r) => r.device)])];
      const allowed = await this.allowedDevices(tx, userId, named);

      const readings = batch.readings.filter((r) => {
        if (!allowed.has(r.device)) refuse(r.device, REASONS.devices);
        else if (retired.has(r.day.slice(0, 7))) refuse(r.device, REASONS.retired);
        else return true;
        return false;
      });
      const states = await this.loadSeries(
        tx,
        userId,
        readings.map((r) => r.series),
      );
      // A series' readings in time order, so cumulative values within one batch step forward.
      readings.sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0));

      const accepted = new Map<string, number>();
      const duplicates = new Map<string, number>();
      const bump = (map: Map<string, number>, device: string) => map.set(device, (map.get(device) ?? 0) + 1);
      const models = new Map<string, ModelSums>(); // device|day|model
      const activity = new Map<string, number>(); // day|metric|key
      const changed = new Set<string>();
      let liveSeries = await this.seriesCount(tx, userId);
      const dayModels = await this.modelsOfDays(tx, userId, days);
      for (const r of readings) {
        const isNew = !states.has(r.series);
        if (isNew && liveSeries >= MAX_SERIES_PER_USER) {
          refuse(r.device, REASONS.series);
          continue;
        }
        if (r.target.kind !== 'activity') {
          const seen = dayModels.get(`${r.device}|${r.day}`) ?? new Set<string>();
          if (!seen.has(r.target.model) && seen.size >= MAX_TELEMETRY_MODELS_PER_DAY) {
            refuse(r.device, REASONS.models);
            continue;
          }
          dayModels.set(`${r.device}|${r.day}`, seen.add(r.target.model));
        }
        const amount = this.step(states, r);
        if (isNew && states.has(r.series)) liveSeries++;
        if (amount === 'duplicate') {
          bump(duplicates, r.device);
          continue;
        }
        if (amount === 'overlap' || amount === 'tooOld') {
          refuse(r.device, REASONS[amount]);
          continue;
        }
        changed.add(r.series);
        bump(accepted, r.device);
        if (amount === 0) continue;
        const t = r.target;
        if (t.kind === 'activity') {
          const key = `${r.day}|${t.metric}|${t.key}`;
          activity.set(key, (activity.get(key) ?? 0) + amount);
          continue;
        }
        const key = `${r.device}|${r.day}|${t.model}`;
        const sums = models.get(key) ?? { provider: t.provider, input: 0, output: 0, cacheRead: 0, cacheCreation: 0, cost: 0 };
        if (t.kind === 'cost') sums.cost += amount;
        else sums[t.tokenKind] += amount;
        models.set(key, sums);
      }

      await this.saveSeries(tx, userId, states, changed);
      await this.addModels(tx, userId, models);
      await this.addActivity(tx, userId, activity);
      const slicesWritten = await this.rebuildSlices(tx, userId, models);
      await this.recordReceipts(tx, batch, allowed, { accepted, duplicates, refused: refusedPerDevice }, [...reasons]);
      const total = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);
      return { accepted: total(accepted), duplicates: total(duplicates), refused: total(refusedPerDevice), reasons: [...reasons], slicesWritten };
    });
  }

  /** What a reading adds (0 or more), or why it adds nothing; updates `states`. */
  private step(states: Map<string, LoadedSeries>, r: TelemetryReading): number | 'duplicate' | 'overlap' | 'tooOld' {
    const state = states.get(r.series);
    if (r.temporality === 'cumulative') {
      const previous = state?.temporality === 'cumulative' ? state.last : undefined;
      const observed = { startTimeUnixNano: r.start, timeUnixNano: r.end, value: r.value };
      if (!previous && r.end - r.start > SERIES_TTL_NS) {
        // A series unknown here that started longer ago than series are kept: it may be one that was
        // forgotten, whose value was counted then. Its value is a baseline; its increases count.
        states.set(r.series, { temporality: 'cumulative', last: observed, covered: [] });
        return 0;
      }
      const step = cumulativeStep(previous, observed);
      if (step.kind !== 'delta') return 'duplicate';
      states.set(r.series, { temporality: 'cumulative', last: step.state, covered: [] });
      return step.value;
    }
    const covered = state?.temporality === 'delta' ? state.covered : [];
    const step = deltaStep(covered, r.start, r.end);
    if (step.kind !== 'add') return step.kind;
    states.set(r.series, { temporality: 'delta', covered: step.covered });
    return r.value;
  }

  /**
   * Devices the readings may use: those the user already reports from (uploads or telemetry), and
   * new ones while the user has fewer than MAX_TELEMETRY_DEVICES.
   */
  private async allowedDevices(tx: Database, userId: number, devices: string[]): Promise<Set<string>> {
    if (devices.length === 0) return new Set();
    const [dd, tr] = [deviceDays, telemetryReceipts];
    const known = rowsOf<{ device: string }>(
      await tx.execute(sql`
        SELECT DISTINCT ${dd.device} AS device FROM ${dd} WHERE ${dd.userId} = ${userId}
        UNION SELECT ${tr.device} FROM ${tr} WHERE ${tr.userId} = ${userId}`),
    ).map((r) => r.device);
    const allowed = new Set(known);
    let count = allowed.size;
    for (const device of devices.sort()) {
      if (allowed.has(device)) continue;
      if (count >= MAX_TELEMETRY_DEVICES) continue;
      allowed.add(device);
      count++;
    }
    return new Set(devices.filter((d) => allowed.has(d)));
  }

  private async seriesCount(tx: Database, userId: number): Promise<number> {
    const s = telemetrySeries;
    const [row] = rowsOf<{ n: string }>(await tx.execute(sql`SELECT count(*)::text AS n FROM ${s} WHERE ${s.userId} = ${userId}`));
    return Number(row?.n ?? 0);
  }

  /** The models telemetry already has per device and day (`device|day` → models), for the days of a batch. */
  private async modelsOfDays(tx: Database, userId: number, days: string[]): Promise<Map<string, Set<string>>> {
    const byDay = new Map<string, Set<string>>();
    if (days.length === 0) return byDay;
    const t = telemetryDayModels;
    const rows = rowsOf<{ device: string; date: string; model: string }>(
      await tx.execute(sql`
        SELECT ${t.device} AS device, ${t.date}::text AS date, ${t.model} AS model FROM ${t}
         WHERE ${t.userId} = ${userId} AND ${t.date} IN (SELECT jsonb_array_elements_text(${JSON.stringify(days)}::jsonb)::date)`),
    );
    for (const r of rows) {
      const key = `${r.device}|${r.date}`;
      byDay.set(key, (byDay.get(key) ?? new Set()).add(r.model));
    }
    return byDay;
  }

  private async loadSeries(tx: Database, userId: number, keys: string[]): Promise<Map<string, LoadedSeries>> {
    const states = new Map<string, LoadedSeries>();
    const unique = [...new Set(keys)];
    if (unique.length === 0) return states;
    const s = telemetrySeries;
    const rows = rowsOf<SeriesRow>(
      await tx.execute(sql`
        SELECT ${s.seriesKey} AS "seriesKey", ${s.temporality} AS temporality, ${s.startNs}::text AS "startNs", ${s.endNs}::text AS "endNs",
               ${s.value} AS value, ${s.covered} AS covered
          FROM ${s}
         WHERE ${s.userId} = ${userId} AND ${s.seriesKey} IN (SELECT jsonb_array_elements_text(${JSON.stringify(unique)}::jsonb))`),
    );
    for (const row of rows) {
      if (row.temporality === 'cumulative' && row.startNs !== null && row.endNs !== null && row.value !== null) {
        states.set(row.seriesKey, {
          temporality: 'cumulative',
          last: { startTimeUnixNano: BigInt(row.startNs), timeUnixNano: BigInt(row.endNs), value: Number(row.value) },
          covered: [],
        });
      } else if (row.temporality === 'delta') {
        states.set(row.seriesKey, { temporality: 'delta', covered: (row.covered ?? []).map(([a, b]) => [BigInt(a), BigInt(b)]) });
      }
    }
    return states;
  }

  private async saveSeries(tx: Database, userId: number, states: Map<string, LoadedSeries>, changed: Set<string>): Promise<void> {
    if (changed.size === 0) return;
    const rows = [...changed].map((key) => {
      const state = states.get(key)!;
      return {
        k: key,
        t: state.temporality,
        s: state.last ? String(state.last.startTimeUnixNano) : null,
        e: state.last ? String(state.last.timeUnixNano) : null,
        v: state.last ? state.last.value : null,
        c: state.temporality === 'delta' ? state.covered.map(([a, b]) => [String(a), String(b)]) : null,
      };
    });
    const s = telemetrySeries;
    for (const chunk of chunksOf(rows, () => 1, 1000)) {
      await tx.execute(sql`
        INSERT INTO ${s} (user_id, series_key, temporality, start_ns, end_ns, value, covered, last_seen_at)
        SELECT ${userId}, x.k, x.t, x.s::bigint, x.e::bigint, x.v, x.c, now()
          FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS x(k text, t text, s text, e text, v float8, c jsonb)
        ON CONFLICT (user_id, series_key) DO UPDATE SET
               temporality = EXCLUDED.temporality, start_ns = EXCLUDED.start_ns, end_ns = EXCLUDED.end_ns,
               value = EXCLUDED.value, covered = EXCLUDED.covered, last_seen_at = now()`);
    }
  }

  private async addModels(tx: Database, userId: number, models: Map<string, ModelSums>): Promise<void> {
    if (models.size === 0) return;
    const rows = [...models].map(([key, m]) => {
      const [device, day, ...model] = key.split('|');
      return { d: device, day, m: model.join('|'), p: m.provider, i: m.input, o: m.output, cr: m.cacheRead, cc: m.cacheCreation, c: decimal(m.cost, 10) };
    });
    const t = telemetryDayModels;
    await tx.execute(sql`
      INSERT INTO ${t} (user_id, device, date, model, provider, input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens, cost)
      SELECT ${userId}, x.d, x.day, x.m, x.p, x.i, x.o, x.cr, x.cc, x.c
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(d text, day date, m text, p text, i bigint, o bigint, cr bigint, cc bigint, c numeric)
      ON CONFLICT (user_id, device, date, model) DO UPDATE SET
             input_tokens = ${t.inputTokens} + EXCLUDED.input_tokens, output_tokens = ${t.outputTokens} + EXCLUDED.output_tokens,
             cache_read_input_tokens = ${t.cacheReadInputTokens} + EXCLUDED.cache_read_input_tokens,
             cache_creation_input_tokens = ${t.cacheCreationInputTokens} + EXCLUDED.cache_creation_input_tokens,
             cost = ${t.cost} + EXCLUDED.cost`);
  }

  private async addActivity(tx: Database, userId: number, activity: Map<string, number>): Promise<void> {
    if (activity.size === 0) return;
    const rows = [...activity].map(([key, value]) => {
      const [day, metric, ...rest] = key.split('|');
      return { day, m: metric, k: rest.join('|'), v: decimal(value, 6) };
    });
    const [a, am] = [activityDays, activityMonths];
    const json = JSON.stringify(rows);
    await tx.execute(sql`
      INSERT INTO ${a} (user_id, date, metric, key, value)
      SELECT ${userId}, x.day, x.m, x.k, x.v FROM jsonb_to_recordset(${json}::jsonb) AS x(day date, m text, k text, v numeric)
      ON CONFLICT (user_id, date, metric, key) DO UPDATE SET value = ${a.value} + EXCLUDED.value`);
    await tx.execute(sql`
      INSERT INTO ${am} (user_id, month, metric, key, value)
      SELECT ${userId}, date_trunc('month', x.day)::date, x.m, x.k, sum(x.v)
        FROM jsonb_to_recordset(${json}::jsonb) AS x(day date, m text, k text, v numeric)
       GROUP BY 2, 3, 4
      ON CONFLICT (user_id, month, metric, key) DO UPDATE SET value = ${am.value} + EXCLUDED.value`);
  }

  /**
   * For each device and day whose telemetry tokens or cost moved: unless an upload reported that
   * device and day, its slice := the telemetry sums (costs rounded once, to 4 places), written like
   * an upload's, so usage_stats, model_usage and the summaries follow. Returns the slices written.
   */
  private async rebuildSlices(tx: Database, userId: number, models: Map<string, ModelSums>): Promise<number> {
    const touched = new Map<string, Set<string>>(); // device → days
    for (const key of models.keys()) {
      const [device, day] = key.split('|');
      touched.set(device, (touched.get(device) ?? new Set()).add(day));
    }
    let written = 0;
    for (const [device, daySet] of [...touched].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const dates = [...daySet].sort();
      const dd = deviceDays;
      const existing = new Map(
        rowsOf<{ date: string; source: string; hash: string }>(
          await tx.execute(sql`
            SELECT ${dd.date}::text AS date, ${dd.source} AS source, ${dd.contentHash} AS hash FROM ${dd}
             WHERE ${dd.userId} = ${userId} AND ${dd.device} = ${device} AND ${dd.date} IN (SELECT jsonb_array_elements_text(${JSON.stringify(dates)}::jsonb)::date)`),
        ).map((r) => [r.date, r]),
      );
      const open = dates.filter((d) => existing.get(d)?.source !== 'upload');
      if (open.length === 0) continue;
      const slices = await this.telemetrySlices(tx, userId, device, open);
      const hashes = new Map(slices.map((s) => [s.date, sliceHash(s, 'telemetry')]));
      const changed = slices.filter((s) => existing.get(s.date)?.hash !== hashes.get(s.date));
      if (changed.length === 0) continue;
      await changeDays(
        tx,
        userId,
        chunksOf(changed, (day) => day.models.length),
        (days, fresh) => writeSlices(tx, { userId, device, source: 'telemetry', uploadId: null }, days, hashes, fresh),
      );
      written += changed.length;
    }
    return written;
  }

  /** The device's telemetry sums on these days, as day slices (models sorted by name, costs rounded to 4 places). */
  private async telemetrySlices(tx: Database, userId: number, device: string, dates: string[]): Promise<DaySlice[]> {
    const t = telemetryDayModels;
    const rows = rowsOf<{ date: string; model: string; provider: string; i: string; o: string; cr: string; cc: string; cost: string }>(
      await tx.execute(sql`
        SELECT ${t.date}::text AS date, ${t.model} AS model, ${t.provider} AS provider, ${t.inputTokens}::text AS i, ${t.outputTokens}::text AS o,
               ${t.cacheReadInputTokens}::text AS cr, ${t.cacheCreationInputTokens}::text AS cc, to_char(round(${t.cost}, 4), 'FM999999999999990.0000') AS cost
          FROM ${t}
         WHERE ${t.userId} = ${userId} AND ${t.device} = ${device} AND ${t.date} IN (SELECT jsonb_array_elements_text(${JSON.stringify(dates)}::jsonb)::date)
         ORDER BY ${t.date}, ${t.model} COLLATE "C"`),
    );
    const byDay = new Map<string, DaySlice>();
    const exact = (text: string): number => {
      const n = Number(text);
      if (!Number.isSafeInteger(n))
        throw new DomainError(ErrorCode.UnprocessableReport, `A day's token count would pass 2^53-1; nothing of this batch was stored.`);
      return n;
    };
    for (const r of rows) {
      const day = byDay.get(r.date) ?? {
        date: r.date,
        inputTokens: 0,
        outputTokens: 0,
        cacheCreationTokens: 0,
        cacheReadTokens: 0,
        totalTokens: 0,
        cost: '0.0000',
        models: [],
      };
      const model = {
        model: r.model,
        provider: r.provider,
        inputTokens: exact(r.i),
        outputTokens: exact(r.o),
        cacheCreationTokens: exact(r.cc),
        cacheReadTokens: exact(r.cr),
        cost: r.cost,
      };
      day.models.push(model);
      day.inputTokens += model.inputTokens;
      day.outputTokens += model.outputTokens;
      day.cacheCreationTokens += model.cacheCreationTokens;
      day.cacheReadTokens += model.cacheReadTokens;
      day.totalTokens = exact(String(day.totalTokens + model.inputTokens + model.outputTokens + model.cacheCreationTokens + model.cacheReadTokens));
      day.cost = addCosts([day.cost, model.cost]);
      byDay.set(r.date, day);
    }
    return [...byDay.values()];
  }

  /** Counts per device of the batch into telemetry_receipts, for the devices the user may report from. */
  private async recordReceipts(
    tx: Database,
    batch: TelemetryBatch,
    allowed: Set<string>,
    counts: Record<'accepted' | 'duplicates' | 'refused', Map<string, number>>,
    reasons: string[],
  ): Promise<void> {
    const { accepted, duplicates, refused } = counts;
    const devices = [...allowed];
    if (devices.length === 0) return;
    const rows = devices.map((device) => ({
      d: device,
      a: accepted.get(device) ?? 0,
      u: duplicates.get(device) ?? 0,
      // What was refused before a device could be told goes to the batch's device when it has one.
      r: (refused.get(device) ?? 0) + (devices.length === 1 ? (refused.get('') ?? 0) : 0),
      v: batch.devices.get(device)?.serviceVersion ?? null,
      i: batch.devices.get(device)?.identity ?? {},
    }));
    const tr = telemetryReceipts;
    await tx.execute(sql`
      INSERT INTO ${tr} (user_id, device, signal, batches, accepted, duplicates, refused, last_reasons, service_version, identity, first_at, last_at)
      SELECT ${batch.userId}, x.d, ${batch.signal}, 1, x.a, x.u, x.r, ${JSON.stringify(reasons)}::jsonb, x.v, x.i, now(), now()
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(d text, a bigint, u bigint, r bigint, v text, i jsonb)
      ON CONFLICT (user_id, device, signal) DO UPDATE SET
             batches = ${tr.batches} + 1, accepted = ${tr.accepted} + EXCLUDED.accepted, duplicates = ${tr.duplicates} + EXCLUDED.duplicates,
             refused = ${tr.refused} + EXCLUDED.refused,
             last_reasons = CASE WHEN EXCLUDED.refused > 0 THEN EXCLUDED.last_reasons ELSE ${tr.lastReasons} END,
             service_version = coalesce(EXCLUDED.service_version, ${tr.serviceVersion}),
             identity = CASE WHEN EXCLUDED.identity = '{}'::jsonb THEN ${tr.identity} ELSE EXCLUDED.identity END,
             last_at = now()`);
  }

  /** Forgets series not seen for `ttlMs` (maintenance): their points are older than the receiver's window by then. */
  async forgetSeries(ttlMs = SERIES_TTL_MS): Promise<number> {
    const s = telemetrySeries;
    const rows = rowsOf<{ n: string }>(
      await this.db.execute(
        sql`WITH gone AS (DELETE FROM ${s} WHERE ${s.lastSeenAt} < now() - ${ttlMs} * interval '1 millisecond' RETURNING 1) SELECT count(*)::text AS n FROM gone`,
      ),
    );
    return Number(rows[0]?.n ?? 0);
  }
}

interface LoadedSeries {
  temporality: 'delta' | 'cumulative';
  last?: SeriesState;
  covered: Covered;
}
