import { z } from 'zod';

export const BackupNameParamSchema = z
  .string()
  .regex(/^backup_\d{8}_\d{6}\.sql\.gz$/, 'must be a backup name: backup_YYYYMMDD_HHMMSS.sql.gz')
  .meta({ example: 'backup_20261126_030000.sql.gz' });

export const BackupCreatedSchema = z
  .object({
    name: z.string().meta({ example: 'backup_20261126_030000.sql.gz' }),
    sizeBytes: z.number().int().meta({ example: 48213 }),
    durationMs: z.number().int().meta({ example: 412 }),
    createdAt: z.string().meta({ example: '2026-11-26T03:00:00.412Z' }),
  })
  .meta({ id: 'BackupCreated' });
export type BackupCreated = z.infer<typeof BackupCreatedSchema>;

export const BackupFileSchema = z
  .object({
    name: z.string().meta({ example: 'backup_20261126_030000.sql.gz' }),
    sizeBytes: z.number().int(),
    createdAt: z.string().meta({ description: 'Modification time of the file (UTC)' }),
  })
  .meta({ id: 'BackupFile' });
export type BackupFile = z.infer<typeof BackupFileSchema>;

export const BackupOutcomeSchema = z
  .object({
    succeeded: z.boolean(),
    trigger: z.enum(['scheduled', 'manual']),
    name: z.string().nullable(),
    sizeBytes: z.number().int().nullable(),
    startedAt: z.string(),
    finishedAt: z.string(),
    error: z
      .string()
      .nullable()
      .meta({ example: 'no pg_dump can dump this PostgreSQL 17 server: it needs pg_dump 17 or newer (found: /usr/bin/pg_dump (15)).' }),
  })
  .meta({ id: 'BackupOutcome' });
export type BackupOutcome = z.infer<typeof BackupOutcomeSchema>;

export const BackupListSchema = z
  .object({
    directory: z.string().meta({ example: '/var/backups/ccstats' }),
    backups: z.array(BackupFileSchema),
    lastRun: BackupOutcomeSchema.nullable().meta({ description: 'The last finished run on any replica' }),
  })
  .meta({ id: 'BackupList' });
export type BackupList = z.infer<typeof BackupListSchema>;

export const DbStatsSchema = z
  .object({
    backend: z.enum(['embedded', 'postgres']),
    pool: z
      .object({ max: z.number().int(), total: z.number().int(), idle: z.number().int(), waiting: z.number().int() })
      .nullable()
      .meta({ description: 'null on the embedded database, which has no pool' }),
    slowestQueries: z.array(
      z.object({
        query: z.string().meta({ example: 'select "id" from "users" where "users"."username" = ?' }),
        calls: z.number().int(),
        meanMs: z.number(),
        maxMs: z.number(),
        totalMs: z.number(),
      }),
    ),
    tables: z.array(
      z.object({
        table: z.string(),
        sizeBytes: z.number().int(),
        rowEstimate: z.number().meta({ description: 'pg_class.reltuples; -1 until the table is analysed' }),
        sizeAtLastBackup: z.number().int().nullable(),
        growthBytesSinceLastBackup: z.number().int().nullable(),
      }),
    ),
    lastBackupAt: z.string().nullable(),
    indexes: z.array(
      z.object({
        table: z.string(),
        index: z.string(),
        scans: z.number().int(),
        tuplesRead: z.number().int(),
        tuplesFetched: z.number().int(),
        sizeBytes: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'DbStats' });
export type DbStats = z.infer<typeof DbStatsSchema>;

export const RetentionRunSchema = z
  .object({
    retentionDays: z.number().int().meta({ example: 90 }),
    keptFrom: z.string().meta({ description: 'First day of the earliest month that keeps its daily rows', example: '2026-08-01' }),
    directory: z.string().meta({ example: '/var/lib/ccstats/archive' }),
    months: z
      .array(
        z.object({
          month: z.string().meta({ example: '2026-07' }),
          archive: z.string().meta({ example: 'usage_2026-07.jsonl.gz' }),
          users: z.number().int().meta({ description: 'Users with data in the month' }),
          usageDays: z.number().int().meta({ description: 'usage_stats rows archived and deleted' }),
          modelRows: z.number().int().meta({ description: 'model_usage rows archived and deleted' }),
          deviceDays: z.number().int().meta({ description: 'device_days rows archived and deleted' }),
          deviceModelRows: z.number().int().meta({ description: 'device_day_models rows archived and deleted' }),
          telemetryRows: z.number().int().meta({ description: 'telemetry_day_models rows archived and deleted' }),
          activityRows: z.number().int().meta({ description: 'activity_days rows archived and deleted (activity_months keeps the month)' }),
          projectRows: z.number().int().meta({ description: 'project_days rows archived and deleted (projects keep no monthly sums)' }),
        }),
      )
      .meta({ description: 'Months retired by this run (empty when there was nothing to retire)' }),
  })
  .meta({ id: 'RetentionRun' });
export type RetentionRun = z.infer<typeof RetentionRunSchema>;
