import { Inject, Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { addDays, dayNumber, isCalendarDay, utcDay } from '../common/dates.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { ReadCoalescer } from '../common/read-coalescer.js';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { type Audience, Audiences, viewerKey } from '../directory/audience.js';
import { notFound, UserDirectory } from '../directory/user-directory.js';
import { bucketMasks, ModelsRepository } from '../models/models.repository.js';
import { Admission } from '../read-model/admission.js';
import { bucketRange, type DayRange, PERIODS, periodRange, recentBuckets } from '../read-model/periods.js';
import type { RangeQuery } from '../read-model/range.schemas.js';
import type { RankedEntry, Ranking, RankingIndex, UserRank } from '../read-model/ranking-index.js';
import { RankingIndexService } from '../read-model/ranking-index.service.js';
import { type ActivityRankMetric, isActivityMetric, type LeaderboardMetric, type Metric } from '../read-model/sums.js';
import { EMPTY_TOTALS, sumsToTotals, type Totals, toInt } from '../read-model/token-sums.js';
import { hiddenSetsOf, partOf, shownTotals, unless, withholdingOf } from '../read-model/withholding.js';
import { ActivityRepository } from './activity.repository.js';
import { ActivityService } from './activity.service.js';
import { StatsRepository } from './stats.repository.js';
import type {
  CommunitySeries,
  CommunitySeriesQuery,
  ExportPage,
  ExportQuery,
  Leaderboard,
  LeaderboardQuery,
  Summary,
  UserRanks,
  UserRanksQuery,
  Weekly,
} from './stats.schemas.js';

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

/** An export line as the caller may see it: money null for a user who does not show it to them. */
function exportRow(r: Awaited<ReturnType<StatsRepository['exportPage']>>[number], audience: Audience): ExportPage['rows'][number] {
  const totals = sumsToTotals(r);
  return { username: r.username, date: r.date, ...totals, totalCost: audience.seesCost(Number(r.userId)) ? totals.totalCost : null };
}

/** Days of a leaderboard entry's sparkline. */
const SPARKLINE_DAYS = 30;

/** A metric's value on a day or in a period without rows, as the API prints it. */
const zeroOf = (metric: LeaderboardMetric): string => (metric === 'cost' ? '0.0000' : '0');

/** The totals field that holds each token metric's value. */
const TOTALS_FIELD: Record<Metric, keyof Totals> = {
  cost: 'totalCost',
  tokens: 'totalTokens',
  input: 'inputTokens',
  output: 'outputTokens',
  cacheCreation: 'cacheCreationTokens',
  cacheRead: 'cacheReadTokens',
};

/** A token metric's value as the API prints it (cost with 4 decimals, tokens as integers), from an entry's totals. */
const valueOf = (metric: Metric, totals: Totals): string => String(totals[TOTALS_FIELD[metric]]);

/** A page of a leaderboard: ranked entries with the ranked metric's value. */
interface Board {
  total: number;
  granularity: Ranking['granularity'];
  entries: Array<RankedEntry & { value: string }>;
  index: RankingIndex | undefined;
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
    private readonly activity: ActivityRepository,
    private readonly activityService: ActivityService,
    private readonly audiences: Audiences,
  ) {}

  /** Reads answer HTTP caches privately when they need a token. */
  get privateReads(): boolean {
    return this.config.readAccess === 'token';
  }

  today(): string {
    return utcDay(new Date());
  }

  /**
   * A leaderboard as the caller may see it: only users the caller sees (ranked by cost, only those
   * whose money the caller sees), numbered among themselves; others' money is null where hidden.
   * With `teamId`, only the team's members (the caller's right to see the team is checked by the
   * teams module, which calls this).
   */
  async leaderboard(caller: Principal, query: LeaderboardQuery, teamId?: number): Promise<Leaderboard> {
    this.auth.requireReader(caller);
    const { format: _format, ...key } = query;
    const scope = `${viewerKey(caller)}|${teamId ?? ''}`;
    return this.coalescer.run(`leaderboard|${this.today()}|${scope}|${JSON.stringify(key)}`, () => this.computeLeaderboard(caller, query, teamId));
  }

  private async computeLeaderboard(caller: Principal, query: LeaderboardQuery, teamId: number | undefined): Promise<Leaderboard> {
    const today = this.today();
    const custom = query.from !== undefined && query.to !== undefined;
    const range: DayRange | undefined = custom ? { from: query.from!, to: query.to! } : periodRange(query.period, today);
    const { metric } = query;
    const audience = await this.audiences.of(caller);
    const members = teamId === undefined ? undefined : await this.users.teamMemberIds(teamId);
    const admission = Admission.of(audience, metric, members);
    const board = isActivityMetric(metric)
      ? await this.activityBoard(range, metric, query.limit, query.offset, admission)
      : await this.tokenBoard(range, metric, query.limit, query.offset, admission);
    const { index } = board;
    const userIds = board.entries.map((e) => e.userId);
    const [topModels, names] = await Promise.all([this.topModels(index, userIds, range, board.granularity), this.users.displayNames(userIds)]);
    const sparklines = query.sparklines ? await this.sparklines(index, userIds, metric, today) : undefined;
    const bounds = range ?? (await this.allTimeBounds(metric));
    return {
      period: custom ? 'custom' : query.period,
      from: bounds?.from ?? null,
      to: bounds?.to ?? null,
      metric,
      granularity: board.granularity,
      total: board.total,
      entries: board.entries.map((e) => ({
        rank: e.rank,
        username: e.username,
        displayName: names.get(e.userId) ?? null,
        value: e.value,
        ...e.totals,
        totalCost: audience.seesCost(e.userId) ? e.totals.totalCost : null,
        activeDays: e.activeDays,
        topModel: topModels.get(e.userId) ?? null,
        ...(sparklines ? { last30Days: sparklines.get(e.userId) } : {}),
      })),
    };
  }

  /** The first and last day of a leaderboard over all time: of any usage, or of the activity metric's. */
  private async allTimeBounds(metric: LeaderboardMetric): Promise<{ from: string | null; to: string | null } | undefined> {
    return isActivityMetric(metric) ? this.activity.bounds([metric]) : this.repository.dataBounds();
  }

  private async tokenBoard(range: DayRange | undefined, metric: Metric, limit: number, offset: number, admission: Admission): Promise<Board> {
    const { ranking, index } = await this.ranked(range, metric, limit, offset, admission);
    return { ...ranking, entries: ranking.entries.map((e) => ({ ...e, value: valueOf(metric, e.totals) })), index };
  }

  /**
   * Users ranked by an activity metric, in SQL (activity_months and activity_days); each entry's
   * token totals and active days over the same range, counted as the token leaderboards count them,
   * for the page's users in one query.
   */
  private async activityBoard(range: DayRange | undefined, metric: ActivityRankMetric, limit: number, offset: number, admission: Admission): Promise<Board> {
    const [retired, index] = await Promise.all([this.repository.retiredMonths(range), this.rankings.current()]);
    const { total, rows } = await this.activity.leaderboard(metric, range, limit, offset, new Set(retired), admission);
    const sums = await this.repository.pageTotals(
      rows.map((r) => r.userId),
      range,
      new Set(retired),
    );
    const byUser = new Map(sums.map((r) => [Number(r.userId), r]));
    return {
      total,
      granularity: retired.length > 0 ? 'month' : 'day',
      index,
      entries: rows.map((r) => {
        const mine = byUser.get(r.userId);
        return { ...r, totals: mine ? sumsToTotals(mine) : EMPTY_TOTALS, activeDays: mine ? toInt(mine.activeDays) : 0 };
      }),
    };
  }

  /**
   * Users ranked by a metric over a range: from the in-memory index, fresh as of this call, when it
   * is built and holds the range's days; otherwise (and with RANKING_INDEX=false) in SQL. Both give
   * the same answer; test/stats/ranking-index.spec.ts compares them.
   */
  async rank(range: DayRange | undefined, metric: Metric, limit: number, offset: number, admission = Admission.EVERYONE): Promise<Ranking> {
    return (await this.ranked(range, metric, limit, offset, admission)).ranking;
  }

  /** The ranking, and the index it came from or could have (its top-model cache serves either way). */
  private async ranked(range: DayRange | undefined, metric: Metric, limit: number, offset: number, admission: Admission) {
    const index = await this.rankings.current();
    const ranking = index?.rank(range, metric, limit, offset, admission) ?? (await this.rankInSql(range, metric, limit, offset, admission));
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

  /**
   * Each user's metric on each of the 30 days ending today, oldest first: from the index's daily
   * rows when it is built (its window always holds them), else in one query over the page's users.
   */
  private async sparklines(index: RankingIndex | undefined, userIds: number[], metric: LeaderboardMetric, today: string): Promise<Map<number, string[]>> {
    const range = { from: addDays(today, -(SPARKLINE_DAYS - 1)), to: today };
    const fromIndex = isActivityMetric(metric) ? undefined : index?.dailyValues(userIds, range, metric);
    if (fromIndex) return fromIndex;
    const lines = new Map(userIds.map((id) => [id, new Array<string>(SPARKLINE_DAYS).fill(zeroOf(metric))]));
    const first = dayNumber(range.from);
    const rows = isActivityMetric(metric) ? await this.activity.dailyValues(userIds, range, metric) : await this.repository.dailyValues(userIds, range, metric);
    for (const row of rows) {
      const line = lines.get(Number(row.userId));
      if (line) line[dayNumber(row.day) - first] = row.value;
    }
    return lines;
  }

  /**
   * A user's rank, the users ranked and the user's value in every named period, each equal to what
   * that period's leaderboard says (index or SQL, chosen per period as the leaderboard chooses).
   */
  async userRanks(caller: Principal, username: string, query: UserRanksQuery): Promise<UserRanks> {
    this.auth.requireReader(caller);
    const user = await this.users.get(username);
    const today = this.today();
    const { metric } = query;
    return this.coalescer.run(`ranks|${today}|${viewerKey(caller)}|${user.id}|${metric}`, async () => {
      // Read with the computation, so a change of privacy committed before the request holds for it.
      const audience = await this.audiences.of(caller);
      if (!audience.sees(user.id)) throw notFound(username);
      if (metric === 'cost' && !audience.seesCost(user.id)) throw new DomainError(ErrorCode.Forbidden, `${user.username} does not show their cost.`);
      const admission = Admission.of(audience, metric);
      const index = isActivityMetric(metric) ? undefined : await this.rankings.current();
      const place = async (range: DayRange | undefined): Promise<UserRank> =>
        isActivityMetric(metric)
          ? this.activityRankOf(range, metric, user.id, admission)
          : (index?.rankOf(range, metric, user.id, admission) ?? (await this.rankOfInSql(range, metric, user.id, admission)));
      const places = await Promise.all(
        PERIODS.map(async (period) => {
          const range = periodRange(period, today);
          return { period, range, ...(await place(range)) };
        }),
      );
      const bounds = await this.allTimeBounds(metric);
      return {
        username: user.username,
        metric,
        ranks: places.map(({ period, range, rank, total, value }) => ({
          period,
          from: (range ?? bounds)?.from ?? null,
          to: (range ?? bounds)?.to ?? null,
          rank,
          total,
          value,
        })),
      };
    });
  }

  /** A user's place in the SQL ranking of a range: the users with strictly more, plus one (the index's reference). */
  async rankOfInSql(range: DayRange | undefined, metric: Metric, userId: number, admission = Admission.EVERYONE): Promise<UserRank> {
    const retired = new Set(await this.repository.retiredMonths(range));
    const place = await this.repository.rankOf(range, metric, userId, retired, admission);
    return { rank: place.value === null ? null : place.ahead + 1, total: place.total, value: place.value ?? zeroOf(metric) };
  }

  /** A user's place by an activity metric (SQL, as the activity leaderboard ranks). */
  private async activityRankOf(range: DayRange | undefined, metric: ActivityRankMetric, userId: number, admission: Admission): Promise<UserRank> {
    const retired = new Set(await this.repository.retiredMonths(range));
    const place = await this.activity.rankOf(metric, range, userId, retired, admission);
    return { rank: place.value === null ? null : place.ahead + 1, total: place.total, value: place.value ?? zeroOf(metric) };
  }

  /**
   * Every user's usage per day, ISO week or month of a range (default: recentBuckets), from the
   * shared day tables, which keep retired months' days; active users per day from day_stats, per
   * week or month distinct, from the monthly day masks. A bucket with exactly one contributor the
   * caller may not see is withheld (docs/privacy.md, "Community totals").
   */
  async communitySeries(caller: Principal, query: CommunitySeriesQuery): Promise<CommunitySeries> {
    this.auth.requireReader(caller);
    const { granularity } = query;
    const range = query.from && query.to ? { from: query.from, to: query.to } : recentBuckets(granularity, this.today());
    return this.coalescer.run(`series|${viewerKey(caller)}|${range.from}|${range.to}|${granularity}`, async () => {
      // Read with the computation, so a change of privacy committed before the request holds for it.
      const hidden = hiddenSetsOf(await this.audiences.of(caller));
      const rows = await this.repository.series(range, granularity);
      const masks =
        granularity === 'day' && !hidden
          ? []
          : bucketMasks(
              range,
              rows.map((r) => ({ bucket: r.bucket, range: bucketRange(granularity, r.bucket) })),
            );
      const [users, parts] = await Promise.all([
        granularity === 'day' ? undefined : this.repository.usersPerBucket(masks),
        hidden ? this.repository.hiddenPerBucket(masks, hidden) : undefined,
      ]);
      return {
        ...range,
        granularity,
        rows: rows.map((r) => ({
          date: r.bucket,
          activeUsers: users ? (users.get(r.bucket) ?? 0) : toInt(r.activeUsers),
          ...shownTotals(sumsToTotals(r), withholdingOf(parts?.get(r.bucket))),
        })),
      };
    });
  }

  /** The SQL ranking, the index's reference. */
  async rankInSql(range: DayRange | undefined, metric: Metric, limit: number, offset: number, admission = Admission.EVERYONE): Promise<Ranking> {
    const retired = new Set(await this.repository.retiredMonths(range));
    const rows = await this.repository.leaderboard(range, metric, limit, offset, retired, admission);
    return {
      total: rows[0] ? Number(rows[0].total) : await this.repository.activeUsers(range, admission),
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
    const audience = await this.audiences.of(caller);
    const { rows, total } = await this.repository.recentDays(from, limit, offset, Admission.of(audience, undefined));
    return {
      from,
      to,
      total,
      limit,
      offset,
      rows: rows.map((r) => ({
        username: r.username,
        date: r.date,
        totalCost: audience.seesCost(Number(r.userId)) ? r.totalCost : null,
        totalTokens: toInt(r.totalTokens),
      })),
    };
  }

  /** The export's range, user (404 when the caller may not see them) and the caller's audience. */
  private async exportRange(caller: Principal, query: ExportQuery): Promise<{ range: DayRange; userId: number | undefined; audience: Audience }> {
    const to = query.to ?? this.today();
    const range = { from: query.from ?? addDays(to, -29), to };
    if (query.username === undefined) return { range, userId: undefined, audience: await this.audiences.of(caller) };
    const { user, audience } = await this.users.seenBy(caller, query.username);
    return { range, userId: user.id, audience };
  }

  async exportPage(caller: Principal, query: ExportQuery): Promise<ExportPage> {
    this.auth.requireReader(caller);
    const { range, userId, audience } = await this.exportRange(caller, query);
    const admission = Admission.of(audience, undefined);
    const rows = await this.repository.exportPage(range, userId, query.cursor ? decodeCursor(query.cursor) : undefined, query.limit, admission);
    const last = rows.at(-1);
    return {
      from: range.from,
      to: range.to,
      rows: rows.map((r) => exportRow(r, audience)),
      nextCursor: last && rows.length === query.limit ? encodeCursor(last.date, Number(last.userId)) : null,
    };
  }

  /**
   * Every row of the range, a page at a time: what the CSV export streams. Access, the user and the
   * cursor are checked before the stream starts, so their errors are problem bodies, not a cut stream.
   */
  async exportAll(caller: Principal, query: ExportQuery): Promise<AsyncGenerator<ExportPage['rows'][number]>> {
    this.auth.requireReader(caller);
    const { range, userId, audience } = await this.exportRange(caller, query);
    const admission = Admission.of(audience, undefined);
    const start = query.cursor ? decodeCursor(query.cursor) : undefined;
    const repository = this.repository;
    return (async function* () {
      let after = start;
      for (;;) {
        const rows = await repository.exportPage(range, userId, after, 5000, admission);
        for (const r of rows) yield exportRow(r, audience);
        const last = rows.at(-1);
        if (!last || rows.length < 5000) return;
        after = { date: last.date, userId: Number(last.userId) };
      }
    })();
  }

  async summary(caller: Principal, query: RangeQuery): Promise<Summary> {
    this.auth.requireReader(caller);
    return this.coalescer.run(`summary|${viewerKey(caller)}|${query.from}|${query.to}`, () => this.computeSummary(caller, query));
  }

  /**
   * Totals over every user, hidden or not, withheld where exactly one contributor is hidden from
   * the caller (docs/privacy.md, "Community totals"); the top user among those whose cost the
   * caller sees.
   */
  private async computeSummary(caller: Principal, query: RangeQuery): Promise<Summary> {
    const range = query.from && query.to ? { from: query.from, to: query.to } : undefined;
    // Read with the computation, so a change of privacy committed before the request holds for it.
    const audience = await this.audiences.of(caller);
    const hidden = hiddenSetsOf(audience);
    const ranked = Admission.of(audience, 'cost');
    const [users, totals, models, top, activity, part] = await Promise.all([
      this.repository.userCount(),
      this.repository.totals(range),
      this.models.breakdown(range, 'model', { limit: 1, offset: 0 }, { hidden }),
      this.rank(range, 'cost', 1, 0, ranked),
      this.repository.retiredMonths(range).then((retired) => this.activityService.summary(range, new Set(retired), hidden?.hidden)),
      hidden ? this.repository.hiddenContributors(range, hidden) : undefined,
    ]);
    const bounds = range ?? (await this.repository.dataBounds());
    const topModel = models[0];
    const topUser = top.entries[0];
    const shown = withholdingOf(part);
    const modelShown = withholdingOf(hidden && topModel ? partOf(topModel) : undefined);
    return {
      from: bounds?.from ?? null,
      to: bounds?.to ?? null,
      users,
      // Equal to the ranking's count when it ranks everyone, unless a retired month is cut by the
      // range: its active days still tell.
      activeUsers: top.granularity === 'day' && ranked.everyone ? top.total : await this.repository.activeUsers(range),
      days: unless(shown.withheld, Number(totals.days)),
      totals: shownTotals(sumsToTotals(totals), shown),
      topModel: topModel
        ? { model: topModel.key, provider: topModel.provider, cost: unless(modelShown.costWithheld, topModel.cost), costWithheld: modelShown.costWithheld }
        : null,
      topUser: topUser ? { username: topUser.username, totalCost: topUser.totals.totalCost } : null,
      granularity: top.granularity,
      activity,
    };
  }
}
