import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { nextTurn } from '../common/time-slice.js';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { list, nameOf, names } from '../db/columns.js';
import { type Database, DatabaseConnection, rowsOf, transaction } from '../db/database-connection.js';
import { LOCK_KEYS } from '../db/lock-keys.js';
import { dayStats, dayStatsDelta, modelDayStats, modelDayStatsDelta } from '../db/schema.js';
import { anyOf } from '../db/sql.js';
import { asKey } from '../read-model/rows.js';
import { addExcluded, dayNumbers, modelNumbers, sums } from './summaries.js';

/**
 * Folding the shared tables' deltas in. Uploads never write day_stats or model_day_stats: rows
 * every upload of the same days would lock, which serialised concurrent uploads of different users
 * (docs/benchmarks.md, "ingest"). Each upload appends its difference to day_stats_delta and
 * model_day_stats_delta instead, and this moves them into the shared tables a batch at a time, in
 * one transaction per batch, on one replica at a time (an advisory lock). Readers add the deltas
 * still waiting to the shared rows in the same statement (read-model/shared-days.ts), so no answer
 * waits for a fold and none misses a committed upload.
 */

/** Delta rows one fold transaction moves: small enough to hold the embedded database's thread for tens of milliseconds. */
export const FOLD_BATCH = 2000;

const zeroDays = <R extends object>(rows: R[], count: keyof R) => rows.filter((r) => Number(r[count]) === 0);

/**
 * Moves up to FOLD_BATCH of the oldest rows of each delta table into its shared table in one
 * transaction; a day (or a day's model) whose count falls to 0 is deleted. Answers how many delta
 * rows it moved. Deltas of uploads still in flight are not visible yet and wait for the next fold.
 */
export async function foldBatch(db: Database, batch = FOLD_BATCH): Promise<number> {
  return transaction(db, async (tx) => {
    const d = dayStatsDelta;
    const day = dayStats;
    const folded = rowsOf<{ date: string; activeUsers: number | string; moved: number | string }>(
      await tx.execute(sql`
        WITH moved AS (
          DELETE FROM ${d} WHERE ${d.id} IN (SELECT ${d.id} FROM ${d} ORDER BY ${d.id} LIMIT ${batch})
          RETURNING ${list(d.date, d.activeUsers, ...dayNumbers(d))}
        )
        INSERT INTO ${day} (${names(day.date, day.activeUsers, ...dayNumbers(day))})
        SELECT ${nameOf(d.date)}, ${sums(nameOf(d.activeUsers), ...dayNumbers(d).map(nameOf))}
          FROM moved GROUP BY ${nameOf(d.date)} ORDER BY ${nameOf(d.date)}
        ON CONFLICT (${names(day.date)}) DO UPDATE SET ${addExcluded(day.activeUsers, ...dayNumbers(day))}
        RETURNING ${day.date}::text AS date, ${asKey(day, 'activeUsers', day.activeUsers)}, (SELECT count(*) FROM moved) AS moved`),
    );
    const emptyDays = zeroDays(folded, 'activeUsers').map((r) => r.date);
    if (emptyDays.length > 0) await tx.execute(sql`DELETE FROM ${day} WHERE ${day.date} = ${anyOf(emptyDays, 'date')} AND ${day.activeUsers} = 0`);

    const md = modelDayStatsDelta;
    const model = modelDayStats;
    const foldedModels = rowsOf<{ date: string; users: number | string; moved: number | string }>(
      await tx.execute(sql`
        WITH moved AS (
          DELETE FROM ${md} WHERE ${md.id} IN (SELECT ${md.id} FROM ${md} ORDER BY ${md.id} LIMIT ${batch})
          RETURNING ${list(md.date, md.model, md.provider, md.users, ...modelNumbers(md))}
        )
        INSERT INTO ${model} (${names(model.date, model.model, model.provider, model.users, ...modelNumbers(model))})
        SELECT ${nameOf(md.date)}, ${nameOf(md.model)}, max(${nameOf(md.provider)}), ${sums(nameOf(md.users), ...modelNumbers(md).map(nameOf))}
          FROM moved GROUP BY ${nameOf(md.date)}, ${nameOf(md.model)} ORDER BY ${nameOf(md.date)}, ${nameOf(md.model)}
        ON CONFLICT (${names(model.date, model.model)})
          DO UPDATE SET ${nameOf(model.provider)} = EXCLUDED.${nameOf(model.provider)}, ${addExcluded(model.users, ...modelNumbers(model))}
        RETURNING ${model.date}::text AS date, ${model.users}, (SELECT count(*) FROM moved) AS moved`),
    );
    // A row at 0 users is gone whatever its model: one statement for the batch, not one per row.
    const goneDays = [...new Set(zeroDays(foldedModels, 'users').map((r) => r.date))];
    if (goneDays.length > 0) await tx.execute(sql`DELETE FROM ${model} WHERE ${model.date} = ${anyOf(goneDays, 'date')} AND ${model.users} = 0`);
    return Number(folded[0]?.moved ?? 0) + Number(foldedModels[0]?.moved ?? 0);
  });
}

/** Folds until no delta is left (or `maxBatches` batches ran); answers the rows moved. */
export async function foldAll(db: Database, maxBatches = Number.POSITIVE_INFINITY): Promise<number> {
  let moved = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await foldBatch(db);
    moved += n;
    if (n === 0) break;
    await nextTurn();
  }
  return moved;
}

/** Runs the fold every SHARED_FOLD_INTERVAL_MS on whichever replica holds the fold lock. */
@Injectable()
export class SharedDaysFolder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SharedDaysFolder');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly connection: DatabaseConnection,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.sharedFoldIntervalMs === 0) return;
    this.timer = setInterval(
      () => void this.fold().catch((error: unknown) => this.logger.warn(`fold failed: ${String(error)}`)),
      this.config.sharedFoldIntervalMs,
    );
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One fold of everything waiting, unless one is running here already or on another replica. */
  fold(): Promise<number> {
    this.running ??= this.connection
      .tryWithLock(LOCK_KEYS.sharedFold, (db) => foldAll(db, 50))
      .then(({ result }) => result ?? 0)
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
