import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { KeyedQueue } from '../common/keyed-queue.js';
import { UserDirectory } from '../directory/user-directory.js';
import { UsageLedger } from '../ledger/usage-ledger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { parseReport, reportTotals } from './ccusage/report-parser.js';
import { UploadsRepository } from './uploads.repository.js';
import type { UploadList, UploadQuery, UploadResult } from './uploads.schemas.js';

/**
 * Devices one user may report from. Each device's days are kept apart and summed, so devices are
 * where an account's stored rows (and a day's model list, the union over devices) multiply; people
 * have a handful of machines.
 */
export const MAX_DEVICES_PER_USER = 50;

@Injectable()
export class UploadsService {
  /**
   * A user's uploads in this process wait for each other here, before they take a database
   * connection: they would serialize on the user's row lock anyway, and each one waiting there holds
   * a connection, so one user's burst of uploads could use up the pool (whose wait times out with a
   * 5xx) for everyone. Across replicas the row lock still orders them.
   */
  private readonly perUser = new KeyedQueue<number>();

  constructor(
    private readonly repository: UploadsRepository,
    private readonly ledger: UsageLedger,
    private readonly users: UserDirectory,
    private readonly auth: AuthService,
    private readonly metrics: MetricsService,
  ) {}

  /** Whose numbers these are: the token's own user, or for the admin token the `username` given. */
  private async target(caller: Principal, username: string | undefined) {
    const who = this.auth.requireAuthenticated(caller);
    if (who.kind === 'admin') {
      if (!username) {
        throw new DomainError(ErrorCode.ValidationFailed, 'username: the admin token uploads for a user named by ?username=', [
          { path: 'username', message: 'is required with the admin token', in: 'query' },
        ]);
      }
      return this.users.get(username);
    }
    if (username && username.toLowerCase() !== who.username.toLowerCase()) {
      throw new DomainError(ErrorCode.Forbidden, `This token belongs to ${who.username}; it cannot upload for ${username}.`);
    }
    return { id: who.userId, username: who.username };
  }

  async upload(caller: Principal, query: UploadQuery, body: unknown, sizeBytes: number): Promise<UploadResult> {
    const user = await this.target(caller, query.username);
    const report = await parseReport(body);
    if (report.days.length > 0) await this.checkDeviceCap(user.id, query.device);
    const stored = await this.perUser.run(user.id, () =>
      this.ledger.recordUpload({ userId: user.id, device: query.device, timeZone: query.tz, report, sizeBytes }),
    );
    this.metrics.recordUpload(report.days.length);
    return {
      username: user.username,
      device: query.device,
      format: report.format,
      days: report.days.length,
      inserted: stored.inserted,
      updated: stored.updated,
      unchanged: stored.unchanged,
      ignored: stored.ignored.length,
      from: report.days[0]?.date ?? null,
      to: report.days.at(-1)?.date ?? null,
      totals: reportTotals(report.days),
      warnings: stored.warnings,
    };
  }

  private async checkDeviceCap(userId: number, device: string): Promise<void> {
    const { devices, known } = await this.repository.deviceCount(userId, device);
    if (!known && devices >= MAX_DEVICES_PER_USER) {
      throw new DomainError(
        ErrorCode.UnprocessableReport,
        `This user already reports from ${devices} devices, the most the server keeps; upload from one of them (device=…).`,
      );
    }
  }

  async list(caller: Principal, username: string, limit: number, offset: number): Promise<UploadList> {
    // The caller first: a 404 for unknown names only, or it would tell strangers who exists.
    this.auth.requireSelfOrAdmin(caller, username);
    const user = await this.users.get(username);
    const { rows, total } = await this.repository.listForUser(user.id, limit, offset);
    return {
      username: user.username,
      total,
      limit,
      offset,
      uploads: rows.map((r) => ({
        id: r.id,
        device: r.device,
        format: r.format,
        tz: r.timeZone,
        days: r.days,
        from: r.firstDate,
        to: r.lastDate,
        inserted: r.inserted,
        updated: r.updated,
        unchanged: r.unchanged,
        totals: {
          inputTokens: r.inputTokens,
          outputTokens: r.outputTokens,
          cacheCreationTokens: r.cacheCreationInputTokens,
          cacheReadTokens: r.cacheReadInputTokens,
          totalTokens: r.totalTokens,
          totalCost: r.totalCost,
        },
        sizeBytes: r.sizeBytes,
        warnings: r.warnings,
        createdAt: r.createdAt.toISOString(),
      })),
    };
  }
}
