import { bigint, boolean, jsonb, pgTable, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core';

/**
 * One row per backup run. Scheduled runs are keyed by the cron tick they belong to: every replica
 * fires on the same tick, and only the one whose insert claims `scheduled_for` takes the backup, so
 * a replica that gets the lock after the first one finished does not take a second backup.
 * On-demand runs leave `scheduled_for` null (nulls never conflict).
 */
export const backupRuns = pgTable('backup_runs', {
  id: serial('id').primaryKey(),
  scheduledFor: timestamp('scheduled_for', { mode: 'date' }).unique('backup_runs_scheduled_for_unique'),
  trigger: varchar('trigger', { length: 16 }).$type<'scheduled' | 'manual'>().notNull(),
  name: varchar('name', { length: 64 }),
  startedAt: timestamp('started_at', { mode: 'date' }).defaultNow().notNull(),
  finishedAt: timestamp('finished_at', { mode: 'date' }),
  succeeded: boolean('succeeded'),
  sizeBytes: bigint('size_bytes', { mode: 'number' }),
  error: text('error'),
  /** Bytes per table (pg_total_relation_size) when the backup was taken: the base for growth. */
  tableSizes: jsonb('table_sizes').$type<Record<string, number>>(),
});
