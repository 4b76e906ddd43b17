import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';
import { DB } from '../db/database.module.js';

export interface TableStats {
  table: string;
  sizeBytes: number;
  /** pg_class.reltuples: PostgreSQL's estimate; -1 until the table has been vacuumed or analysed. */
  rowEstimate: number;
}

export interface IndexUsage {
  table: string;
  index: string;
  scans: number;
  tuplesRead: number;
  tuplesFetched: number;
  sizeBytes: number;
}

/** Catalog queries for table sizes and index usage (the spec's "key metrics"). */
@Injectable()
export class DatabaseStatsRepository {
  constructor(@Inject(DB) private readonly db: Database) {}

  async tables(): Promise<TableStats[]> {
    const rows = rowsOf<{ table: string; size_bytes: number | string; row_estimate: number | string }>(
      await this.db.execute(sql`
        SELECT c.relname AS table, pg_total_relation_size(c.oid) AS size_bytes, c.reltuples AS row_estimate
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        ORDER BY c.relname`),
    );
    return rows.map((r) => ({ table: r.table, sizeBytes: Number(r.size_bytes), rowEstimate: Number(r.row_estimate) }));
  }

  async indexes(): Promise<IndexUsage[]> {
    const rows = rowsOf<{
      table: string;
      index: string;
      scans: number | string;
      tup_read: number | string;
      tup_fetch: number | string;
      size_bytes: number | string;
    }>(
      await this.db.execute(sql`
        SELECT relname AS table, indexrelname AS index, idx_scan AS scans, idx_tup_read AS tup_read,
               idx_tup_fetch AS tup_fetch, pg_relation_size(indexrelid) AS size_bytes
        FROM pg_stat_user_indexes
        WHERE schemaname = 'public'
        ORDER BY relname, indexrelname`),
    );
    return rows.map((r) => ({
      table: r.table,
      index: r.index,
      scans: Number(r.scans),
      tuplesRead: Number(r.tup_read),
      tuplesFetched: Number(r.tup_fetch),
      sizeBytes: Number(r.size_bytes),
    }));
  }
}
