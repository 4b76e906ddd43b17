import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The environment, as the service understands it. Every variable the service reads is declared
 * here, once, with its default; nothing outside src/config reads process.env.
 */

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((v, ctx) => {
      const n = Number(v);
      if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DB_HOST: optionalString,
  DB_PORT: int(9099, 1, 65535),
  DB_USER: z.string().min(1).default('localdev'),
  DB_PASSWORD: z.string().default('db-test-pass'),
  DB_PASSWORD_FILE: optionalString,
  DB_NAME: z.string().min(1).default('claude_code_stats'),
  DB_SSL: z.enum(['false', 'true', 'no-verify'], { error: 'must be false, true or no-verify' }).default('false'),
  DB_POOL_MAX: int(20, 1, 1000),
  DB_IDLE_TIMEOUT_MS: int(30_000, 0, 3_600_000),
  DB_CONNECT_TIMEOUT_MS: int(2_000, 1, 600_000),
  DB_MIGRATE_ON_START: bool(true),
  DATA_DIR: z.string().min(1).default('./data'),

  BODY_LIMIT_BYTES: int(10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),

  REGISTRATION: z.enum(['open', 'closed'], { error: 'must be open or closed' }).default('open'),
  ADMIN_TOKEN: optionalString,
  ADMIN_TOKEN_FILE: optionalString,
  READ_ACCESS: z.enum(['public', 'token'], { error: 'must be public or token' }).default('public'),
  COALESCE_READS: bool(true),

  BACKUP_ENABLED: bool(true),
  BACKUP_CRON: z.string().min(1).default('0 3 * * *'),
  BACKUP_DIR: z.string().min(1).default('./backups'),
  BACKUP_RETENTION_DAYS: int(30, 1, 36_500),
  PG_DUMP_PATH: optionalString,
  HEALTH_MIN_FREE_DISK_MB: int(512, 0, 10_000_000),
  HEALTH_MAX_HEAP_MB: int(1536, 16, 1_000_000),
  METRICS_REFRESH_SECONDS: int(60, 1, 86_400),

  RETENTION_DAYS: optionalString.pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number of days')
      .transform(Number)
      .refine((n) => n >= 31 && n <= 36_500, 'must be from 31 to 36500 (the last 30 days are never retired)')
      .optional(),
  ),
  RETENTION_CRON: z.string().min(1).default('30 3 * * *'),
  ARCHIVE_DIR: z.string().min(1).default('./archive'),
});

export type Env = z.input<typeof envSchema>;

export type DatabaseSettings =
  | { backend: 'embedded'; dataDir: string }
  | {
      backend: 'postgres';
      connectionString?: string;
      host: string;
      port: number;
      user: string;
      password: string;
      database: string;
      ssl: false | { rejectUnauthorized: boolean };
      poolMax: number;
      idleTimeoutMs: number;
      connectTimeoutMs: number;
    };

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: string;
  database: DatabaseSettings;
  migrateOnStart: boolean;
  bodyLimitBytes: number;
  registration: 'open' | 'closed';
  /** The admin token, from ADMIN_TOKEN or ADMIN_TOKEN_FILE; undefined disables admin actions. */
  adminToken: string | undefined;
  readAccess: 'public' | 'token';
  /** Identical concurrent reads of shared answers share one computation (common/read-coalescer.ts). */
  coalesceReads: boolean;
  backup: {
    enabled: boolean;
    cron: string;
    dir: string;
    retentionDays: number;
    pgDumpPath: string | undefined;
  };
  health: { minFreeDiskMb: number; maxHeapMb: number };
  metricsRefreshSeconds: number;
  /** Daily rows older than `days` are archived and folded into monthly summaries; off when undefined. */
  retention: { days: number | undefined; cron: string; archiveDir: string };
}

/** Raised for an invalid environment; its message names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function readSecretFile(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ConfigError([`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = result.data;
  const external = e.DATABASE_URL !== undefined || e.DB_HOST !== undefined;
  const database: DatabaseSettings = external
    ? {
        backend: 'postgres',
        connectionString: e.DATABASE_URL,
        host: e.DB_HOST ?? 'localhost',
        port: e.DB_PORT,
        user: e.DB_USER,
        password: e.DB_PASSWORD_FILE ? readSecretFile('DB_PASSWORD_FILE', e.DB_PASSWORD_FILE) : e.DB_PASSWORD,
        database: e.DB_NAME,
        ssl: e.DB_SSL === 'false' ? false : { rejectUnauthorized: e.DB_SSL === 'true' },
        poolMax: e.DB_POOL_MAX,
        idleTimeoutMs: e.DB_IDLE_TIMEOUT_MS,
        connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      }
    : { backend: 'embedded', dataDir: e.DATA_DIR };

  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    database,
    migrateOnStart: e.DB_MIGRATE_ON_START,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    registration: e.REGISTRATION,
    adminToken: e.ADMIN_TOKEN_FILE ? readSecretFile('ADMIN_TOKEN_FILE', e.ADMIN_TOKEN_FILE) : e.ADMIN_TOKEN,
    readAccess: e.READ_ACCESS,
    coalesceReads: e.COALESCE_READS,
    backup: {
      enabled: e.BACKUP_ENABLED,
      cron: e.BACKUP_CRON,
      dir: e.BACKUP_DIR,
      retentionDays: e.BACKUP_RETENTION_DAYS,
      pgDumpPath: e.PG_DUMP_PATH,
    },
    health: { minFreeDiskMb: e.HEALTH_MIN_FREE_DISK_MB, maxHeapMb: e.HEALTH_MAX_HEAP_MB },
    metricsRefreshSeconds: e.METRICS_REFRESH_SECONDS,
    retention: { days: e.RETENTION_DAYS, cron: e.RETENTION_CRON, archiveDir: e.ARCHIVE_DIR },
  };
}

/** The one place that reads the process environment. */
export function configFromProcessEnv(): Config {
  return parseConfig(process.env);
}
