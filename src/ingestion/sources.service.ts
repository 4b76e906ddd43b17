import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { utcDay } from '../common/dates.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { UserDirectory } from '../directory/user-directory.js';
import { SourcesRepository } from './sources.repository.js';
import { RECEIVING_MINUTES, type Sources, type SourcesQuery, sourcesRange, type TelemetryStatus, type TelemetryStatusQuery } from './sources.schemas.js';

/** The settings that decide whether Claude Code's export reaches this server, as one sentence's tail. */
const CHECKLIST =
  'check that Claude Code runs with CLAUDE_CODE_ENABLE_TELEMETRY=1 and OTEL_METRICS_EXPORTER=otlp (OTEL_LOGS_EXPORTER=otlp for the events), ' +
  "that OTEL_EXPORTER_OTLP_ENDPOINT is this server's root URL (no /v1/metrics at its end), that OTEL_EXPORTER_OTLP_PROTOCOL is http/protobuf or http/json (not grpc), " +
  'and that OTEL_EXPORTER_OTLP_HEADERS is Authorization=Bearer <your upload token>: Claude Code drops a refused batch without a word.';

const toInt = (v: string | null): number | null => (v === null ? null : Number(v));

/**
 * What reported a user's days (GET /users/:username/sources) and what the telemetry receiver got
 * from them (GET /telemetry/status): both for the user themself or the admin.
 */
@Injectable()
export class SourcesService {
  constructor(
    private readonly repository: SourcesRepository,
    private readonly users: UserDirectory,
    private readonly auth: AuthService,
  ) {}

  async sources(caller: Principal, username: string, query: SourcesQuery): Promise<Sources> {
    // The caller first: a 404 for unknown names only, or it would tell strangers who exists.
    this.auth.requireSelfOrAdmin(caller, username);
    const user = await this.users.get(username);
    const range = sourcesRange(query, utcDay(new Date()));
    const devices = await this.repository.devices(user.id);
    const days = await this.repository.days(
      user.id,
      devices.map((d) => d.device),
      range,
    );
    const byDevice = new Map<string, Sources['devices'][number]['days']>(devices.map((d) => [d.device, []]));
    for (const d of days) {
      byDevice.get(d.device)?.push({
        date: d.date,
        counted: d.source === 'upload' || d.source === 'telemetry' ? d.source : null,
        uploadTokens: toInt(d.upload_tokens),
        telemetryTokens: toInt(d.telemetry_tokens),
      });
    }
    return {
      username: user.username,
      ...range,
      devices: devices.map((d) => ({
        device: d.device,
        lastUploadAt: d.last_upload_at,
        lastTelemetryAt: d.last_telemetry_at,
        days: byDevice.get(d.device) ?? [],
      })),
    };
  }

  /** Whose status: the token's own user; the admin token names one with ?username= (as uploads do). */
  private async target(caller: Principal, username: string | undefined): Promise<{ id: number; username: string; owner: boolean }> {
    const who = this.auth.requireAuthenticated(caller);
    if (who.kind === 'admin') {
      if (!username) {
        throw new DomainError(ErrorCode.ValidationFailed, "username: the admin token reads a user's telemetry status named by ?username=", [
          { path: 'username', message: 'is required with the admin token', in: 'query' },
        ]);
      }
      const user = await this.users.get(username);
      return { id: user.id, username: user.username, owner: false };
    }
    if (username && username.toLowerCase() !== who.username.toLowerCase()) {
      throw new DomainError(ErrorCode.Forbidden, `This token belongs to ${who.username}; it cannot read the telemetry status of ${username}.`);
    }
    return { id: who.userId, username: who.username, owner: true };
  }

  async telemetryStatus(caller: Principal, query: TelemetryStatusQuery): Promise<TelemetryStatus> {
    const user = await this.target(caller, query.username);
    const { rows, receiving } = await this.repository.receipts(user.id);
    const refusing = rows.some((r) => r.refused > 0 && r.lastReasons.length > 0);
    let hint: string;
    if (rows.length === 0) hint = `Nothing has arrived for ${user.username} yet: ${CHECKLIST}`;
    else if (!receiving) {
      hint = `Nothing arrived in the last ${RECEIVING_MINUTES} minutes; Claude Code exports only while it runs (metrics every 60 seconds), so start a session, and if one is running, ${CHECKLIST}`;
    } else if (refusing) hint = 'Batches are arriving, but some points or events were refused: lastReasons says why.';
    else hint = 'Batches are arriving and counted; the numbers show on the profile within a minute.';
    return {
      username: user.username,
      receiving,
      devices: rows.map((r) => ({
        device: r.device,
        signal: r.signal === 'logs' ? 'logs' : 'metrics',
        batches: r.batches,
        accepted: r.accepted,
        duplicates: r.duplicates,
        refused: r.refused,
        lastReasons: r.lastReasons,
        serviceVersion: r.serviceVersion,
        identity: user.owner ? r.identity : null,
        firstAt: r.firstAt.toISOString(),
        lastAt: r.lastAt.toISOString(),
      })),
      hint,
    };
  }
}
