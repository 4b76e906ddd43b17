import { Inject, Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { addDays, isCalendarDay, utcDay } from '../common/dates.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { ReadCoalescer } from '../common/read-coalescer.js';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { UserDirectory } from '../directory/user-directory.js';
import { ModelsRepository } from '../models/models.repository.js';
import { type DayRange, periodRange } from '../read-model/periods.js';
import type { RangeQuery } from '../read-model/range.schemas.js';
import type { Ranking, RankingIndex } from '../read-model/ranking-index.js';
import { RankingIndexService } from '../read-model/ranking-index.service.js';
import type { Metric } from '../read-model/sums.js';
import { sumsToTotals, toInt } from '../read-model/token-sums.js';
import { StatsRepository } from './stats.repository.js';
import type { ExportPage, ExportQuery, Leaderboard, LeaderboardQuery, Summary, Weekly } from './stats.schemas.js';

/** An export cursor: the last row's (date, user id), opaque to clients. */
function encodeCursor(date: string, userId: number): string {
  return Buffer.from(`${date}|${userId}`).toString('base64url');
}

const MAX_ID = 2_147_483_647; // user ids are PostgreSQL integers

function decodeCursor(cursor: string): { date: string; userId: number } {
  const [date, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const userId = Number(id);
  // Anything a client can send decodes to something: only a cursor this server could have made passes.
  if (rest.length > 0 || !date || !isCalendarDay(date) || !/^[1-9]\d{0,9}$/.test(id ?? '') || userId > MAX_ID) {
    throw new DomainError(ErrorCode.ValidationFailed, 'cursor: not a cursor this server gave out', [{ path: 'cursor', message: 'is not valid', in: 'query' }]);
  }
  return { date, userId };
}

@Injectable()
export class StatsService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly repository: StatsRepository,
    private readonly models: ModelsRepository,
    private readonly users: UserDirectory,
    private readonly auth: AuthService,
    private readonly coalescer: ReadCoalescer,
    private readonly rankings: RankingIndexService,
  ) {}

  /** Reads answer HTTP caches privately when they need a token. */
  get privateReads(): boolean {
    return this.config.readAccess === 'token';
  }

  today(): string {
    return utcDay(new Date());
  }

  async leaderboard(caller: Principal, query: LeaderboardQuery): Promise<Leaderboard> {
    this.auth.requireReader(caller);
    const { format: _format, ...key } = query;
    return this.coalescer.run(`leaderboard|${this.today()}|${JSON.stringify(key)}`, () => this.computeLeaderboard(query));
  }

  private async computeLeaderboard(query: LeaderboardQuery): Promise<Leaderboard> {
    const custom = query.from !== undefined && query.to !== undefined;
    const range: DayRange | undefined = custom ? { from: query.from!, to: query.to! } : periodRange(query.period, this.today());
    const { ranking, index } = await this.ranked(range, query.metric, query.limit, query.offset);
    const topModels = await this.topModels(
      index,
      ranking.entries.map((e) => e.userId),
      range,
      ranking.granularity,
    );
    const bounds = range ?? (await this.repository.dataBounds());
    return {
      period: custom ? 'custom' : query.period,
      from: bounds?.from ?? null,
      to: bounds?.to ?? null,
      metric: query.metric,
      granularity: ranking.granularity,
      total: ranking.total,
      entries: ranking.entries.map((e) => ({
        rank: e.rank,
        username: e.username,
        ...e.totals,
        activeDays: e.activeDays,
        topModel: topModels.get(e.userId) ?? null,
      })),
    };
  }

  /**
   * Users ranked by a metric over a range: from the in-memory index, fresh as of this call, when it
   * is built and holds the range's days; otherwise (and with RANKING_INDEX=false) in SQL. Both give
   * the same answer; test/stats/ranking-index.spec.ts compares them.
   */
  async rank(range: DayRange | undefined, metric: Metric, limit: number, offset: number): Promise<Ranking> {
    return (await this.ranked(range, metric, limit, offset)).ranking;
  }

  /** The ranking, and the index it came from or could have (its top-model cache serves either way). */
  private async ranked(range: DayRange | undefined, metric: Metric, limit: number, offset: number) {
    const index = await this.rankings.current();
    const ranking = index?.rank(range, metric, limit, offset) ?? (await this.rankInSql(range, metric, limit, offset));
    return { ranking, index };
  }

  /** Each user's top model in the range: from the index's cache where the user has not changed, else SQL. */
  private async topModels(index: RankingIndex | undefined, userIds: number[], range: DayRange | undefined, granularity: Ranking['granularity']) {
    const retired = async () => new Set(granularity === 'month' ? await this.repository.retiredMonths(range) : []);
    if (!index) return this.repository.topModels(userIds, range, await retired());
    const { known, missing } = index.cachedTopModels(range, userIds);
    if (missing.length === 0) return known;
    const versions = index.versionsOf(missing);
    const found = await this.repository.topModels(missing, range, await retired());
    const computed = new Map(missing.map((id) => [id, found.get(id) ?? null]));
    index.rememberTopModels(range, computed, versions);
    return new Map([...known, ...computed]);
  }

  /** The SQL ranking, the index's reference. */
  async rankInSql(range: DayRange | undefined, metric: Metric, limit: number, offset: number): Promise<Ranking> {
    const retired = new Set(await this.repository.retiredMonths(range));
    const rows = await this.repository.leaderboard(range, metric, limit, offset, retired);
    return {
      total: rows[0] ? Number(rows[0].total) : await this.repository.activeUsers(range),
      granularity: retired.size > 0 ? 'month' : 'day',
      entries: rows.map((r) => ({
        userId: Number(r.userId),
        username: r.username,
        rank: Number(r.rank),
        totals: sumsToTotals(r),
        activeDays: Number(r.activeDays),
      })),
    };
  }

  async weekly(caller: Principal, limit: number, offset: number): Promise<Weekly> {
    this.auth.requireReader(caller);
    const to = this.today();
    const from = addDays(to, -6);
    const { rows, total } = await this.repository.recentDays(from, limit, offset);
    return {
      from,
      to,
      total,
      limit,
      offset,
      rows: rows.map((r) => ({ username: r.username, date: r.date, totalCost: r.totalCost, totalTokens: toInt(r.totalTokens) })),
    };
  }

  private async exportRange(query: ExportQuery): Promise<{ range: DayRange; userId: number | undefined }> {
    const to = query.to ?? this.today();
    const range = { from: query.from ?? addDays(to, -29), to };
    const userId = query.username === undefined ? undefined : (await this.users.get(query.username)).id;
    return { range, userId };
  }

  async exportPage(caller: Principal, query: ExportQuery): Promise<ExportPage> {
    this.auth.requireReader(caller);
    const { range, userId } = await this.exportRange(query);
    const rows = await this.repository.exportPage(range, userId, query.cursor ? decodeCursor(query.cursor) : undefined, query.limit);
    const last = rows.at(-1);
    return {
      from: range.from,
      to: range.to,
      rows: rows.map((r) => ({ username: r.username, date: r.date, ...sumsToTotals(r) })),
      nextCursor: last && rows.length === query.limit ? encodeCursor(last.date, Number(last.userId)) : null,
    };
  }

  /**
   * Every row of the range, a page at a time: what the CSV export streams. Access, the user and the
   * cursor are checked before the stream starts, so their errors are problem bodies, not a cut stream.
   */
  async exportAll(caller: Principal, query: ExportQuery): Promise<AsyncGenerator<ExportPage['rows'][number]>> {
    this.auth.requireReader(caller);
    const { range, userId } = await this.exportRange(query);
    const start = query.cursor ? decodeCursor(query.cursor) : undefined;
    const repository = this.repository;
    return (async function* () {
      let after = start;
      for (;;) {
        const rows = await repository.exportPage(range, userId, after, 5000);
        for (const r of rows) yield { username: r.username, date: r.date, ...sumsToTotals(r) };
        const last = rows.at(-1);
        if (!last || rows.length < 5000) return;
        after = { date: last.date, userId: Number(last.userId) };
      }
    })();
  }

  async summary(caller: Principal, query: RangeQuery): Promise<Summary> {
    this.auth.requireReader(caller);
    return this.coalescer.run(`summary|${query.from}|${query.to}`, () => this.computeSummary(query));
  }

  private async computeSummary(query: RangeQuery): Promise<Summary> {
    const range = query.from && query.to ? { from: query.from, to: query.to } : undefined;
    const [users, totals, models, top] = await Promise.all([
      this.repository.userCount(),
      this.repository.totals(range),
      this.models.breakdown(range, 'model', { limit: 1, offset: 0 }),
      this.rank(range, 'cost', 1, 0),
    ]);
    const bounds = range ?? (await this.repository.dataBounds());
    const topModel = models[0];
    const topUser = top.entries[0];
    return {
      from: bounds?.from ?? null,
      to: bounds?.to ?? null,
      users,
      // Equal to the ranking's count unless a retired month is cut by the range: its active days still tell.
      activeUsers: top.granularity === 'day' ? top.total : await this.repository.activeUsers(range),
      days: Number(totals.days),
      totals: sumsToTotals(totals),
      topModel: topModel ? { model: topModel.key, provider: topModel.provider, cost: topModel.cost } : null,
      topUser: topUser ? { username: topUser.username, totalCost: topUser.totals.totalCost } : null,
      granularity: top.granularity,
    };
  }
}
