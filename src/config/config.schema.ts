import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
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

/** A request budget: at most `max` requests per fixed window of `windowMs`, counted per key. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `20/1h`, `30/15m`, `5/30s`, or `off`. */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx): RateLimit | undefined => {
      const text = v.trim().toLowerCase();
      if (text === 'off') return undefined;
      const match = /^(\d+)\s*\/\s*(\d*)\s*([smhd])$/.exec(text);
      const max = Number(match?.[1]);
      const windowMs = Number(match?.[2] || '1') * UNIT_MS[(match?.[3] ?? 's') as keyof typeof UNIT_MS];
      if (!match || max < 1 || max > 1_000_000 || windowMs < 1_000 || windowMs > 7 * UNIT_MS.d) {
        ctx.addIssue({ code: 'custom', message: 'must be off or <count>/<window>, e.g. 20/1h or 30/15m (window from 1s to 7d)' });
        return z.NEVER;
      }
      return { max, windowMs };
    });

const PROXY_PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (PROXY_PRESETS.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Fastify's trustProxy: which hops may set X-Forwarded-For, and so which address is the client's
 * (the rate limits count per client address).
 */
export type TrustProxy = boolean | number | string[];

const trustProxy = z
  .string()
  .default('false')
  .transform((v, ctx): TrustProxy => {
    const text = v.trim().toLowerCase();
    if (text === 'false' || text === 'no' || text === '') return false;
    if (text === 'true' || text === 'yes') return true;
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops <= 100) return hops === 0 ? false : hops;
    }
    const entries = text.split(',').map((e) => e.trim());
    if (entries.every(isAddressOrCidr)) return entries;
    ctx.addIssue({
      code: 'custom',
      message: 'must be false, true, a number of proxy hops, or a comma-separated list of proxy addresses or CIDRs (or loopback, linklocal, uniquelocal)',
    });
    return z.NEVER;
  });

/** `off` or a whole number from 1 to `max`. */
const countOrOff = (fallback: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((v, ctx): number | undefined => {
      const text = v.trim().toLowerCase();
      if (text === 'off') return undefined;
      const n = Number(text);
      if (!/^\d+$/.test(text) || n < 1 || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be off or an integer from 1 to ${max}` });
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
  LOG_PROBES: bool(false),

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

  BODY_LIMIT_BYTES: int(4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  REQUEST_TIMEOUT_MS: int(60_000, 500, 3_600_000),
  CONNECTION_TIMEOUT_MS: int(300_000, 0, 86_400_000),
  KEEP_ALIVE_TIMEOUT_MS: int(72_000, 1_000, 3_600_000),
  TRUST_PROXY: trustProxy,

  RATE_LIMITS: bool(true),
  RATE_LIMIT_REGISTRATION: rateLimit('30/1h'),
  RATE_LIMIT_AUTH_FAILURES: rateLimit('30/15m'),
  RATE_LIMIT_UPLOADS: rateLimit('120/1h'),
  RATE_LIMIT_TELEMETRY: rateLimit('6000/1h'),
  RATE_LIMIT_TOKEN_ISSUANCE: rateLimit('30/1h'),
  RATE_LIMIT_TEAMS: rateLimit('60/1h'),
  MAX_ACTIVE_TOKENS: countOrOff(50, 1_000_000),

  REGISTRATION: z.enum(['open', 'closed', 'invite'], { error: 'must be open, closed or invite' }).default('open'),
  ADMIN_TOKEN: optionalString,
  ADMIN_TOKEN_FILE: optionalString,
  READ_ACCESS: z.enum(['public', 'token'], { error: 'must be public or token' }).default('public'),
  DEFAULT_VISIBILITY: z.enum(['public', 'teams', 'private'], { error: 'must be public, teams or private' }).default('public'),
  DEFAULT_SHOW_COST: bool(true),
  METRICS_TOKEN: optionalString,
  METRICS_PUBLIC: bool(false),
  COALESCE_READS: bool(true),
  RANKING_INDEX: bool(true),

  BACKUP_ENABLED: bool(true),
  BACKUP_CRON: z.string().min(1).default('0 3 * * *'),
  BACKUP_DIR: z.string().min(1).default('./backups'),
  BACKUP_RETENTION_DAYS: int(30, 1, 36_500),
  PG_DUMP_PATH: optionalString,
  HEALTH_MIN_FREE_DISK_MB: int(512, 0, 10_000_000),
  HEALTH_MAX_HEAP_MB: int(1536, 16, 1_000_000),
  METRICS_REFRESH_SECONDS: int(60, 1, 86_400),
  SHARED_FOLD_INTERVAL_MS: int(1000, 0, 3_600_000),

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
  /** Log successful /health/live and /health/ready answers too (a failing probe is always logged). */
  logProbes: boolean;
  database: DatabaseSettings;
  migrateOnStart: boolean;
  /** The upload route's body limit; every other route takes SMALL_BODY_LIMIT_BYTES (src/security). */
  bodyLimitBytes: number;
  http: {
    /** Receiving a whole request, headers and body, must finish within this (408 otherwise). */
    requestTimeoutMs: number;
    /** A socket with no traffic either way for this long is closed; 0 never. */
    connectionTimeoutMs: number;
    /** An idle keep-alive socket is closed after this. */
    keepAliveTimeoutMs: number;
    trustProxy: TrustProxy;
  };
  /** Request budgets; an undefined limit is off (as are all when RATE_LIMITS=false). */
  rateLimits: {
    registration: RateLimit | undefined;
    authFailures: RateLimit | undefined;
    uploads: RateLimit | undefined;
    telemetry: RateLimit | undefined;
    tokenIssuance: RateLimit | undefined;
    /** Team and invite creation, per user. */
    teams: RateLimit | undefined;
  };
  /** Live (not revoked) tokens a user may hold; undefined for no cap. */
  maxActiveTokens: number | undefined;
  /** open: anyone; closed: the admin token only; invite: a valid team invite (or the admin token). */
  registration: 'open' | 'closed' | 'invite';
  /** The admin token, from ADMIN_TOKEN or ADMIN_TOKEN_FILE; undefined disables admin actions. */
  adminToken: string | undefined;
  readAccess: 'public' | 'token';
  /** Privacy a new user starts with (docs/privacy.md); each user may change theirs. */
  defaultPrivacy: { visibility: 'public' | 'teams' | 'private'; showCost: boolean };
  /** A token that may read /metrics and the /health detail, and nothing else. */
  metricsToken: string | undefined;
  /** /metrics open to anyone (inside a private network). */
  metricsPublic: boolean;
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
  /** How often uploads' deltas are folded into day_stats and model_day_stats; 0: never (reads stay exact, and slower). */
  sharedFoldIntervalMs: number;
  /** Rank leaderboards from the in-memory index (src/read-model/ranking-index.service.ts); false: SQL every time. */
  rankingIndex: boolean;
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

/** Secrets are sent as `Bearer <token>`: visible ASCII, no spaces, and long enough not to be guessed. */
export const MIN_SECRET_LENGTH = 32;

function checkSecret(variable: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length < MIN_SECRET_LENGTH)
    return `${variable}: must be at least ${MIN_SECRET_LENGTH} characters (it has ${value.length}); generate one with \`openssl rand -base64 32\``;
  if (!/^[\x21-\x7e]+$/.test(value)) return `${variable}: must be visible ASCII characters without spaces (it is sent as \`Authorization: Bearer <token>\`)`;
  return undefined;
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

  const adminToken = e.ADMIN_TOKEN_FILE ? readSecretFile('ADMIN_TOKEN_FILE', e.ADMIN_TOKEN_FILE) : e.ADMIN_TOKEN;
  const secretProblems = [
    checkSecret(e.ADMIN_TOKEN_FILE ? 'ADMIN_TOKEN_FILE' : 'ADMIN_TOKEN', adminToken),
    checkSecret('METRICS_TOKEN', e.METRICS_TOKEN),
  ].filter((p): p is string => p !== undefined);
  if (secretProblems.length > 0) throw new ConfigError(secretProblems);

  const limited = e.RATE_LIMITS;
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logProbes: e.LOG_PROBES,
    database,
    migrateOnStart: e.DB_MIGRATE_ON_START,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    http: {
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      connectionTimeoutMs: e.CONNECTION_TIMEOUT_MS,
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
      trustProxy: e.TRUST_PROXY,
    },
    rateLimits: {
      registration: limited ? e.RATE_LIMIT_REGISTRATION : undefined,
      authFailures: limited ? e.RATE_LIMIT_AUTH_FAILURES : undefined,
      uploads: limited ? e.RATE_LIMIT_UPLOADS : undefined,
      telemetry: limited ? e.RATE_LIMIT_TELEMETRY : undefined,
      tokenIssuance: limited ? e.RATE_LIMIT_TOKEN_ISSUANCE : undefined,
      teams: limited ? e.RATE_LIMIT_TEAMS : undefined,
    },
    maxActiveTokens: e.MAX_ACTIVE_TOKENS,
    registration: e.REGISTRATION,
    adminToken,
    readAccess: e.READ_ACCESS,
    defaultPrivacy: { visibility: e.DEFAULT_VISIBILITY, showCost: e.DEFAULT_SHOW_COST },
    metricsToken: e.METRICS_TOKEN,
    metricsPublic: e.METRICS_PUBLIC,
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
    sharedFoldIntervalMs: e.SHARED_FOLD_INTERVAL_MS,
    rankingIndex: e.RANKING_INDEX,
    retention: { days: e.RETENTION_DAYS, cron: e.RETENTION_CRON, archiveDir: e.ARCHIVE_DIR },
  };
}

/** The one place that reads the process environment. */
export function configFromProcessEnv(): Config {
  return parseConfig(process.env);
}
