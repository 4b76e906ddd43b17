import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { DatabaseConnection } from '../db/database-connection.js';
import { DatabaseStatsRepository } from './database-stats.repository.js';
import { QueryStats } from './query-stats.js';

/**
 * Every metric the service exposes, in a registry of its own (never prom-client's global one, so
 * several apps in one process, as in the tests, do not collide). Other modules record through the
 * methods here; only /metrics reads the registry.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly registry = new Registry();
  /** Query shapes and their times, for /api/v1/maintenance/db-stats. */
  readonly queries = new QueryStats();

  private readonly logger = new Logger('Metrics');
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly queryDuration: Histogram<'operation' | 'outcome'>;
  private readonly uploads: Counter;
  private readonly uploadedDays: Counter;
  private readonly telemetryItems: Counter;
  private readonly backupLastSuccess: Gauge;
  private readonly backupLastSize: Gauge;
  private readonly backupFailures: Counter;
  private readonly tableSize: Gauge<'table'>;
  private readonly tableRows: Gauge<'table'>;
  private refreshTimer: NodeJS.Timeout | undefined;
  private unwrapQueries: (() => void) | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    connection: DatabaseConnection,
    private readonly stats: DatabaseStatsRepository,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'ccstats_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.queryDuration = new Histogram({
      name: 'ccstats_db_query_duration_seconds',
      help: 'Database query duration, from sending the statement to its result',
      labelNames: ['operation', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const poolGauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    poolGauge('ccstats_db_pool_total_clients', 'Clients in the pg pool (0 on the embedded database)', () => connection.poolStats()?.total ?? 0);
    poolGauge('ccstats_db_pool_idle_clients', 'Idle clients in the pg pool', () => connection.poolStats()?.idle ?? 0);
    poolGauge('ccstats_db_pool_waiting_clients', 'Queries waiting for a pool client', () => connection.poolStats()?.waiting ?? 0);
    this.uploads = new Counter({ name: 'ccstats_uploads_total', help: 'ccusage reports accepted', registers });
    this.uploadedDays = new Counter({ name: 'ccstats_uploaded_days_total', help: 'Days of usage stored from uploads', registers });
    this.telemetryItems = new Counter({
      name: 'ccstats_telemetry_items_total',
      help: 'OTLP points and events received, by signal and outcome (accepted, duplicate, refused)',
      labelNames: ['signal', 'outcome'],
      registers,
    });
    this.backupLastSuccess = new Gauge({
      name: 'ccstats_backup_last_success_timestamp_seconds',
      help: 'When this process last finished a backup successfully (Unix time; 0 = not since start)',
      registers,
    });
    this.backupLastSize = new Gauge({ name: 'ccstats_backup_last_size_bytes', help: 'Size of the last successful backup', registers });
    this.backupFailures = new Counter({ name: 'ccstats_backup_failures_total', help: 'Backups that failed in this process', registers });
    this.tableSize = new Gauge({
      name: 'ccstats_table_size_bytes',
      help: 'pg_total_relation_size per table (data, indexes, TOAST), refreshed every METRICS_REFRESH_SECONDS',
      labelNames: ['table'],
      registers,
    });
    this.tableRows = new Gauge({
      name: 'ccstats_table_rows_estimate',
      help: 'pg_class.reltuples per table (-1: not analysed yet), refreshed every METRICS_REFRESH_SECONDS',
      labelNames: ['table'],
      registers,
    });
    this.unwrapQueries = connection.instrument((text, ms, outcome) => {
      this.queryDuration.observe({ operation: operationOf(text), outcome }, ms / 1000);
      this.queries.record(text, ms);
    });
  }

  /** A gauge read at scrape time, for a module above this one (the ranking index). */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** Called by the uploads feature for every accepted report. */
  recordUpload(days: number): void {
    this.uploads.inc();
    if (days > 0) this.uploadedDays.inc(days);
  }

  /** Called by the OTLP receiver for every batch it answered 200. */
  recordTelemetry(signal: 'metrics' | 'logs', counts: { accepted: number; duplicates: number; refused: number }): void {
    if (counts.accepted > 0) this.telemetryItems.inc({ signal, outcome: 'accepted' }, counts.accepted);
    if (counts.duplicates > 0) this.telemetryItems.inc({ signal, outcome: 'duplicate' }, counts.duplicates);
    if (counts.refused > 0) this.telemetryItems.inc({ signal, outcome: 'refused' }, counts.refused);
  }

  recordBackupSuccess(sizeBytes: number, finishedAt: Date): void {
    this.backupLastSuccess.set(finishedAt.getTime() / 1000);
    this.backupLastSize.set(sizeBytes);
  }

  recordBackupFailure(): void {
    this.backupFailures.inc();
  }

  /**
   * Times every response by route pattern (`/api/v1/users/:username`), never by raw URL. Requests no
   * route matched are `unmatched`, but for those the dashboard answered (its pages and files, served
   * outside the router: src/web-app), which are `dashboard`.
   */
  observeHttp(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? (reply.statusCode < 400 ? 'dashboard' : 'unmatched');
      this.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });
  }

  async metrics(): Promise<string> {
    return this.registry.metrics();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.refreshTableStats();
    this.refreshTimer = setInterval(() => void this.refreshTableStats(), this.config.metricsRefreshSeconds * 1000);
    this.refreshTimer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  onApplicationShutdown(): void {
    this.unwrapQueries?.();
    this.unwrapQueries = undefined;
  }

  /** Table sizes come from a timer, not from each scrape: a scrape must stay cheap. */
  private async refreshTableStats(): Promise<void> {
    try {
      const tables = await this.stats.tables();
      this.tableSize.reset();
      this.tableRows.reset();
      for (const t of tables) {
        this.tableSize.set({ table: t.table }, t.sizeBytes);
        this.tableRows.set({ table: t.table }, t.rowEstimate);
      }
    } catch (error) {
      this.logger.warn(`table statistics not refreshed: ${(error as Error).message}`);
    }
  }
}

function operationOf(text: string): string {
  const word = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase();
  return word && ['select', 'insert', 'update', 'delete', 'with'].includes(word) ? word : 'other';
}
