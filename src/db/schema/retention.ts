import { date, integer, pgTable, timestamp, varchar } from 'drizzle-orm/pg-core';

/**
 * Calendar months whose daily rows (usage_stats, model_usage and the device ledger) were written to
 * an archive file and deleted. Their numbers live on in the monthly and per-day summary tables;
 * reads over these months answer from those (docs/ARCHITECTURE.md, "Retention").
 */
export const retiredMonths = pgTable('retired_months', {
  month: date('month', { mode: 'string' }).primaryKey(),
  retiredAt: timestamp('retired_at', { mode: 'date' }).defaultNow().notNull(),
  users: integer('users').notNull(),
  days: integer('days').notNull(),
  /** The archive's file name in ARCHIVE_DIR. */
  archive: varchar('archive', { length: 255 }).notNull(),
});
