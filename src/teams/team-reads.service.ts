import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { utcDay } from '../common/dates.js';
import { addCosts } from '../common/decimal.js';
import { Audiences } from '../directory/audience.js';
import { UserDirectory } from '../directory/user-directory.js';
import { type DayRange, recentBuckets } from '../read-model/periods.js';
import type { RangeQuery } from '../read-model/range.schemas.js';
import { addTotals, sumsToTotals, toInt, tokensOf } from '../read-model/token-sums.js';
import type { CommunitySeriesQuery } from '../usage/stats.schemas.js';
import type { TeamModels, TeamModelsQuery, TeamSeries, TeamSummary } from './team-reads.schemas.js';
import { type Counted, TeamStatsRepository } from './team-stats.repository.js';
import type { TeamRow } from './teams.repository.js';
import { TeamsService } from './teams.service.js';

/** A team read's subject: the team, how many members it has, and whom the caller's answer counts. */
interface Scope extends Counted {
  team: TeamRow;
  members: number;
}

const rangeOf = (q: { from?: string; to?: string }): DayRange | undefined => (q.from && q.to ? { from: q.from, to: q.to } : undefined);

/**
 * A team's summary, series and model shares (docs/teams.md, "Team reads"). Each counts its members'
 * usage over the whole range, whatever the day they joined, but only the members the caller may see,
 * and money only of those whose cost the caller may see: a member's privacy holds among teammates as
 * everywhere (docs/privacy.md), and no figure holds a number the caller could not read on its own.
 *
 * Nothing is kept between requests: the team's members and the caller's audience are read with each
 * one, so a join, a departure or a change of privacy committed through any replica holds for the next
 * read everywhere.
 */
@Injectable()
export class TeamReadsService {
  constructor(
    private readonly teams: TeamsService,
    private readonly directory: UserDirectory,
    private readonly audiences: Audiences,
    private readonly repository: TeamStatsRepository,
  ) {}

  async summary(caller: Principal, slug: string, query: RangeQuery): Promise<TeamSummary> {
    const scope = await this.scope(caller, slug);
    const range = rangeOf(query);
    const [retired, bounds] = await Promise.all([this.repository.retiredMonths(range), this.repository.bounds(scope.ids)]);
    const retiredSet = new Set(retired);
    const [perMember, activity, [topModel]] = await Promise.all([
      this.repository.memberSums(scope.ids, range, retiredSet, bounds?.to),
      this.repository.activity(scope.ids, range),
      this.repository.models(scope, range, 'model', { limit: 1, offset: 0 }, retiredSet, bounds?.to),
    ]);
    const costHidden = new Set(scope.costHidden);
    const totals = perMember.map(sumsToTotals);
    const top = perMember.find((m) => !costHidden.has(Number(m.userId)));
    return {
      team: scope.team.slug,
      from: (range ?? bounds)?.from ?? null,
      to: (range ?? bounds)?.to ?? null,
      members: scope.members,
      ...this.counts(scope),
      activeMembers: activity.activeMembers,
      days: activity.days,
      totals: {
        ...addTotals(totals),
        totalCost: addCosts(perMember.filter((m) => !costHidden.has(Number(m.userId))).map((m) => m.totalCost)),
      },
      topModel: topModel ? { model: topModel.key, provider: topModel.provider, cost: topModel.cost } : null,
      topUser: top ? { username: top.username, displayName: top.displayName, totalCost: top.totalCost } : null,
      granularity: retired.length > 0 ? 'month' : 'day',
    };
  }

  /** Default range: whole recent buckets ending today, as the community series has it. */
  async series(caller: Principal, slug: string, query: CommunitySeriesQuery): Promise<TeamSeries> {
    const scope = await this.scope(caller, slug);
    const { granularity } = query;
    const range = rangeOf(query) ?? recentBuckets(granularity, utcDay(new Date()));
    const [retired, bounds] = await Promise.all([this.repository.retiredMonths(range), this.repository.bounds(scope.ids)]);
    const rows = await this.repository.series(scope, range, granularity, new Set(retired), bounds?.to);
    return {
      team: scope.team.slug,
      ...range,
      granularity,
      ...this.counts(scope),
      retiredMonths: retired,
      rows: rows.map((r) => ({
        date: r.bucket,
        ...(r.retired ? { granularity: 'month' as const } : {}),
        activeMembers: toInt(r.activeMembers),
        ...sumsToTotals(r),
      })),
    };
  }

  async models(caller: Principal, slug: string, query: TeamModelsQuery): Promise<TeamModels> {
    const scope = await this.scope(caller, slug);
    const range = rangeOf(query);
    const page = { limit: query.limit, offset: query.offset };
    const [retired, bounds] = await Promise.all([this.repository.retiredMonths(range), this.repository.bounds(scope.ids)]);
    const read = (p: typeof page) => this.repository.models(scope, range, query.by, p, new Set(retired), bounds?.to);
    const rows = await read(page);
    // A page past the end has no row to carry the list's length: ask for the first.
    const [first] = rows.length === 0 && page.offset > 0 ? await read({ limit: 1, offset: 0 }) : rows;
    return {
      team: scope.team.slug,
      from: range?.from ?? null,
      to: range?.to ?? null,
      by: query.by,
      ...this.counts(scope),
      granularity: retired.length > 0 ? 'month' : 'day',
      total: first ? toInt(first.total) : 0,
      ...page,
      rows: rows.map((r) => ({
        key: r.key,
        provider: r.provider,
        users: toInt(r.users),
        ...tokensOf(r),
        cost: r.cost,
        costShare: r.costShare === null ? 0 : Number(r.costShare),
      })),
    };
  }

  /**
   * The team, if the caller may read it (READ_ACCESS, then 404 for a private team to outsiders),
   * its members, and whom of them the caller's answer counts.
   */
  private async scope(caller: Principal, slug: string): Promise<Scope> {
    const team = await this.teams.readable(caller, slug);
    const [audience, memberIds] = await Promise.all([this.audiences.of(caller), this.directory.teamMemberIds(team.id)]);
    const ids = memberIds.filter((id) => audience.sees(id));
    return { team, members: memberIds.length, ids, costHidden: ids.filter((id) => !audience.seesCost(id)) };
  }

  private counts(scope: Scope) {
    return { membersCounted: scope.ids.length, costMembersCounted: scope.ids.length - scope.costHidden.length };
  }
}
