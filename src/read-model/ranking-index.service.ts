import { type BeforeApplicationShutdown, Global, Inject, Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { type SQL, sql } from 'drizzle-orm';
import { utcDay } from '../common/dates.js';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { nameOf } from '../db/columns.js';
import { type Database, DatabaseConnection, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { LOCK_KEYS } from '../db/lock-keys.js';
import { readModelChanges, usageStats, userMonthStats, users } from '../db/schema.js';
import { anyOf } from '../db/sql.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { parseUserRows, RankingIndex, windowStartFor } from './ranking-index.js';
import { retiredMonthsIn } from './retired-months.js';

/** Days of daily rows the index keeps before today (from that month's first day): 90d and its partial month. */
export const WINDOW_DAYS = 100;
/** Users loaded per statement when the index is built. */
const LOAD_CHUNK = 1000;
/** How often a replica catches up on its own, between reads (reads catch up themselves). */
const IDLE_CATCH_UP_MS = 1000;
/** Change-log rows are deleted this long after they were first seen committed ... */
const CHANGE_LOG_KEEP_MINUTES = 10;
/** ... so a replica that has not caught up for half as long reloads everything instead. */
const STALE_AFTER_MS = (CHANGE_LOG_KEEP_MINUTES / 2) * 60_000;
const PRUNE_EVERY_MS = 60_000;

/** `to_char(x, 'YYYY-MM-DD')`: dates as the index parses them, whatever the session's DateStyle. */
const isoDay = (column: SQL | typeof usageStats.date): SQL => sql`to_char(${column}, 'YYYY-MM-DD')`;

/** A user's rows of one table as one text: `date,values…` per row, ';' between rows, in date order. */
function packed(first: SQL, values: SQL[], order: SQL): SQL {
  return sql`string_agg(concat_ws(',', ${sql.join([first, ...values], sql`, `)}), ';' ORDER BY ${order})`;
}

/**
 * Keeps this replica's RankingIndex exact and fresh. The database is the truth: triggers log, in
 * the writing transaction, which users each statement on usage_stats touched (and retiring a month
 * logs "everything"). A catch-up takes one statement: the current snapshot, and the users logged by
 * transactions committed since the previous snapshot (pg_visible_in_snapshot); then it reloads those
 * users' rows in one more. A read waits for a catch-up that started after it arrived, so it reflects
 * every write committed before it began, through any replica: the same guarantee as reading the
 * database, for one small round trip. Until the index is built (at start, or after a reload) reads
 * are answered by SQL, so none waits for it.
 */
@Injectable()
export class RankingIndexService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RankingIndex');
  private index: RankingIndex | undefined;
  private snapshot: string | undefined;
  private caughtUpAt = 0;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @InjectDb() private readonly db: Database,
    private readonly connection: DatabaseConnection,
    metrics: MetricsService,
  ) {
    metrics.gauge('ccstats_ranking_index_ready', 'Whether leaderboards rank from the in-memory index (0: building, or off: SQL)', () => (this.index ? 1 : 0));
    metrics.gauge('ccstats_ranking_index_users', 'Users in the in-memory ranking index', () => this.size()?.users ?? 0);
    metrics.gauge('ccstats_ranking_index_days', 'Daily rows in the in-memory ranking index', () => this.size()?.days ?? 0);
    metrics.gauge('ccstats_ranking_index_bytes', "Bytes of the ranking index's arrays (users' months and recent days)", () => this.size()?.bytes ?? 0);
  }

  onApplicationBootstrap(): void {
    if (!this.config.rankingIndex) return;
    this.timer = setInterval(() => void this.sync().catch((error: unknown) => this.logger.warn(`catch-up failed: ${String(error)}`)), IDLE_CATCH_UP_MS);
    this.timer.unref();
    this.pruner = setInterval(() => void this.prune().catch((error: unknown) => this.logger.warn(`prune failed: ${String(error)}`)), PRUNE_EVERY_MS);
    this.pruner.unref();
    void this.sync().catch((error: unknown) => this.logger.warn(`build failed: ${String(error)}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.pruner);
    await Promise.allSettled([this.running, this.queued]);
  }

  /**
   * The index as of a snapshot taken after this call, or undefined when it is not built (or the
   * database could not be asked): the caller answers from SQL then.
   */
  async current(): Promise<RankingIndex | undefined> {
    if (!this.index) return undefined;
    try {
      await this.sync();
    } catch {
      return undefined;
    }
    return this.index;
  }

  /** Sizes, for the logs, /metrics and the docs. */
  size() {
    return this.index?.size();
  }

  /** One catch-up (or build) that starts after this call; concurrent callers share the next one. */
  sync(): Promise<void> {
    if (!this.running) return this.start();
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.running ?? this.start();
      });
    return this.queued;
  }

  private start(): Promise<void> {
    const run: Promise<void> = this.step().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async step(): Promise<void> {
    if (this.stopped) return;
    if (!this.index || performance.now() - this.caughtUpAt > STALE_AFTER_MS) return this.build();
    const { snapshot, users: changed } = await this.changesSince(this.snapshot);
    if (changed.includes(0)) return this.build();
    // A burst of many users' uploads is reloaded a chunk at a time, as a build loads them.
    for (let i = 0; i < changed.length; i += LOAD_CHUNK) await this.reload(this.index, changed.slice(i, i + LOAD_CHUNK));
    const windowStart = windowStartFor(utcDay(new Date()), WINDOW_DAYS);
    this.index.moveWindow(windowStart);
    this.snapshot = snapshot;
    this.caughtUpAt = performance.now();
  }

  /**
   * Builds the index from scratch. Reads go to SQL meanwhile. The snapshot is taken first, so every
   * write committed after it is caught up on next time, even if the load already saw it (reloading
   * a user is idempotent); each user's months and days are read in one statement, consistent together.
   */
  private async build(): Promise<void> {
    this.index = undefined;
    const started = performance.now();
    const { snapshot } = await this.changesSince(undefined);
    const windowStart = windowStartFor(utcDay(new Date()), WINDOW_DAYS);
    const index = new RankingIndex(windowStart, new Set(await retiredMonthsIn(this.db, undefined)));
    await this.loadNames(index);
    for (let after = 0; ;) {
      const rows = await this.userRows(windowStart, sql`${users.id} > ${after} ORDER BY ${users.id} LIMIT ${LOAD_CHUNK}`);
      for (const row of rows) index.setUser(row.id, parseUserRows(row.months, row.days));
      if (rows.length < LOAD_CHUNK || this.stopped) break;
      after = rows.at(-1)!.id;
    }
    this.index = index;
    this.snapshot = snapshot;
    this.caughtUpAt = performance.now();
    const size = index.size();
    this.logger.log(
      `built in ${Math.round(performance.now() - started)} ms: ${size.users} users, ${size.months} months, ${size.days} days since ${windowStart}, ${Math.round(size.bytes / 1024)} KiB`,
    );
  }

  private async reload(index: RankingIndex, userIds: number[]): Promise<void> {
    const rows = await this.userRows(index.firstDay, sql`${users.id} = ${anyOf(userIds, 'int')}`);
    const found = new Map(rows.map((row) => [row.id, row]));
    if (rows.some((row) => !index.knows(row.id))) await this.loadNames(index);
    for (const id of userIds) {
      const row = found.get(id);
      index.setUser(id, row ? parseUserRows(row.months, row.days) : undefined);
    }
  }

  /** Every username in the database's own order, so ties rank exactly as SQL orders them. */
  private async loadNames(index: RankingIndex): Promise<void> {
    index.setUsernames(
      rowsOf<{ id: number; username: string }>(await this.db.execute(sql`SELECT ${users.id}, ${users.username} FROM ${users} ORDER BY ${users.username}`)),
    );
  }

  /** Users' months (all) and days (from `windowStart`), each packed into one text per user. */
  private async userRows(windowStart: string, where: SQL) {
    const m = userMonthStats;
    const s = usageStats;
    const sums = (t: typeof m | typeof s) =>
      [t.inputTokens, t.outputTokens, t.cacheCreationInputTokens, t.cacheReadInputTokens, t.totalTokens, t.totalCost].map((c) => sql`${c}`);
    return rowsOf<{ id: number; months: string | null; days: string | null }>(
      await this.db.execute(sql`
        SELECT ${users.id},
               (SELECT ${packed(isoDay(sql`${m.month}`), [sql`${m.activeDays}`, ...sums(m)], sql`${m.month}`)} FROM ${m} WHERE ${m.userId} = ${users.id}) AS months,
               (SELECT ${packed(isoDay(sql`${s.date}`), sums(s), sql`${s.date}`)} FROM ${s} WHERE ${s.userId} = ${users.id} AND ${s.date} >= ${windowStart}::date) AS days
          FROM ${users} WHERE ${where}`),
    );
  }

  /**
   * The current snapshot and, given the previous one, the users changed by transactions committed
   * between the two (0 stands for "everything"). One statement, so both come from the same snapshot.
   */
  private async changesSince(previous: string | undefined): Promise<{ snapshot: string; users: number[] }> {
    const c = readModelChanges;
    const changed = previous
      ? sql`(SELECT string_agg(DISTINCT coalesce(${c.userId}, 0)::text, ',') FROM ${c}
              WHERE ${c.xid} >= pg_snapshot_xmin(${previous}::pg_snapshot) AND NOT pg_visible_in_snapshot(${c.xid}, ${previous}::pg_snapshot))`
      : sql`NULL`;
    const [row] = rowsOf<{ snapshot: string; users: string | null }>(
      await this.db.execute(sql`SELECT pg_current_snapshot()::text AS snapshot, ${changed} AS users`),
    );
    return { snapshot: row.snapshot, users: row.users ? row.users.split(',').map(Number) : [] };
  }

  /**
   * Marks change-log rows seen once they are committed, and deletes those seen long enough ago that
   * every replica still catching up incrementally has read them. One replica at a time.
   */
  async prune(): Promise<void> {
    const c = readModelChanges;
    await this.connection.tryWithLock(LOCK_KEYS.readModelPrune, async (db) => {
      await db.execute(sql`UPDATE ${c} SET ${nameOf(c.seenAt)} = now() WHERE ${c.seenAt} IS NULL`);
      await db.execute(sql`DELETE FROM ${c} WHERE ${c.seenAt} < now() - make_interval(mins => ${CHANGE_LOG_KEEP_MINUTES})`);
    });
  }
}

@Global()
@Module({ providers: [RankingIndexService], exports: [RankingIndexService] })
export class RankingIndexModule {}
