import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { CsvView, HttpCached } from '../common/http-views.js';
import type { TeamRole } from '../db/schema.js';
import { RangeQuerySchema, type RangeQuery } from '../read-model/range.schemas.js';
import { CommunitySeriesQuerySchema, LeaderboardQuerySchema, type CommunitySeriesQuery, type LeaderboardQuery } from '../usage/stats.schemas.js';
import {
  TEAM_COUNTING,
  TeamModelsQuerySchema,
  TeamModelsSchema,
  TeamSeriesSchema,
  TeamSummarySchema,
  type TeamModels,
  type TeamModelsQuery,
  type TeamSeries,
  type TeamSummary,
} from './team-reads.schemas.js';
import { TeamReadsService } from './team-reads.service.js';
import { TEAM_MODELS_CSV, TEAM_SERIES_CSV } from './team-reads.views.js';
import {
  TeamLeaderboardSchema,
  type TeamLeaderboard,
  CreateInviteSchema,
  CreateTeamQuerySchema,
  CreateTeamSchema,
  InviteCodeParamSchema,
  InviteIdParamSchema,
  InviteListSchema,
  InvitePreviewSchema,
  IssuedInviteSchema,
  JoinedTeamSchema,
  MemberParamSchema,
  PageQuerySchema,
  SlugParamSchema,
  TeamListQuerySchema,
  TeamListSchema,
  TeamMemberListSchema,
  TeamMemberSchema,
  TeamSchema,
  UpdateMemberSchema,
  UpdateTeamSchema,
  type CreateInvite,
  type CreateTeam,
  type InviteList,
  type InvitePreview,
  type IssuedInvite,
  type JoinedTeam,
  type PageQuery,
  type Team,
  type TeamList,
  type TeamListQuery,
  type TeamMember,
  type TeamMemberList,
  type UpdateTeam,
} from './teams.schemas.js';
import { MAX_OWNED_TEAMS, MAX_TEAM_MEMBERS, TeamsService } from './teams.service.js';
import { TEAM_LEADERBOARD_CSV, TEAM_MEMBERS_CSV, TEAMS_CSV } from './teams.views.js';

const ROLES =
  'Roles: owner (everything, deleting the team included), admin (settings, invites, removing members, switching members between member and admin), member. ' +
  'The admin token may do everything on every team.';

@ApiBearerAuth()
@ApiTags('teams')
@Controller(`${API_PREFIX}/teams`)
export class TeamsController {
  constructor(
    private readonly teams: TeamsService,
    private readonly reads: TeamReadsService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create a team; its creator is its owner',
    description:
      `A user's token creates a team it owns (at most ${MAX_OWNED_TEAMS} owned teams, 409 beyond); the admin token names the owner with ?owner=<username>. ` +
      'Slugs follow the username rules and are unique without regard to case (409 when taken). Creations count against RATE_LIMIT_TEAMS per user (429). ' +
      ROLES,
  })
  @ApiCreatedResponse({ standardSchema: TeamSchema })
  @ApiProblems(400, 401, 403, 404, 409, 413, 429)
  create(
    @Caller() caller: Principal,
    @Query({ schema: CreateTeamQuerySchema }) query: { owner?: string },
    @Body({ schema: CreateTeamSchema }) body: CreateTeam,
  ): Promise<Team> {
    return this.teams.create(caller, body, query.owner);
  }

  @Get()
  @ApiOperation({
    summary: "Teams: the public ones and the caller's private ones (the admin sees all), by slug; q filters by slug prefix",
    description: "Each with its member count and the caller's role (null when not a member).",
  })
  @ApiOkResponse({ standardSchema: TeamListSchema })
  @ApiProblems(400, 401)
  @CsvView(TEAMS_CSV)
  list(@Caller() caller: Principal, @Query({ schema: TeamListQuerySchema }) query: TeamListQuery): Promise<TeamList> {
    return this.teams.list(caller, query);
  }

  @Get(':slug')
  @ApiOperation({
    summary: 'A team',
    description: 'A private team is seen by its members and the admin only: to anyone else it is 404, as if it did not exist.',
  })
  @ApiOkResponse({ standardSchema: TeamSchema })
  @ApiProblems(400, 401, 404)
  get(@Caller() caller: Principal, @Param({ schema: SlugParamSchema }) params: { slug: string }): Promise<Team> {
    return this.teams.get(caller, params.slug);
  }

  @Patch(':slug')
  @ApiOperation({ summary: "Change a team's name, description or visibility (owner, team admin or the admin token)" })
  @ApiOkResponse({ standardSchema: TeamSchema })
  @ApiProblems(400, 401, 403, 404, 413)
  update(
    @Caller() caller: Principal,
    @Param({ schema: SlugParamSchema }) params: { slug: string },
    @Body({ schema: UpdateTeamSchema }) body: UpdateTeam,
  ): Promise<Team> {
    return this.teams.update(caller, params.slug, body);
  }

  @Delete(':slug')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a team with its memberships and invites (owner or the admin token)' })
  @ApiNoContentResponse({ description: 'Deleted. Members keep their accounts and usage.' })
  @ApiProblems(400, 401, 403, 404)
  async remove(@Caller() caller: Principal, @Param({ schema: SlugParamSchema }) params: { slug: string }): Promise<void> {
    await this.teams.remove(caller, params.slug);
  }

  @Get(':slug/leaderboard')
  @ApiOperation({
    summary: "The team's leaderboard: the community leaderboard's periods, metrics, pages and CSV, over its members",
    description:
      "Each member's usage over the whole period counts, whatever the day they joined. Members the caller may not see are left out and ranks " +
      'count the others (docs/privacy.md). A private team is 404 to anyone but its members and the admin. Cached briefly (ETag, Cache-Control).',
  })
  @ApiOkResponse({ standardSchema: TeamLeaderboardSchema })
  @ApiProblems(400, 401, 404)
  @HttpCached()
  @CsvView(TEAM_LEADERBOARD_CSV)
  leaderboard(
    @Caller() caller: Principal,
    @Param({ schema: SlugParamSchema }) params: { slug: string },
    @Query({ schema: LeaderboardQuerySchema }) query: LeaderboardQuery,
  ): Promise<TeamLeaderboard> {
    return this.teams.leaderboard(caller, params.slug, query);
  }

  @Get(':slug/summary')
  @ApiOperation({
    summary: "The team's totals, days, active members, top model and top user over a range (default: all time)",
    description: `${TEAM_COUNTING} A private team is 404 to anyone but its members and the admin. Cached briefly (ETag, Cache-Control).`,
  })
  @ApiOkResponse({ standardSchema: TeamSummarySchema })
  @ApiProblems(400, 401, 404)
  @HttpCached()
  summary(
    @Caller() caller: Principal,
    @Param({ schema: SlugParamSchema }) params: { slug: string },
    @Query({ schema: RangeQuerySchema }) query: RangeQuery,
  ): Promise<TeamSummary> {
    return this.reads.summary(caller, params.slug, query);
  }

  @Get(':slug/series')
  @ApiOperation({
    summary: "The team's usage and active members per day, ISO week (labelled by its Monday) or month (labelled YYYY-MM-01)",
    description:
      'from and to both or neither; without them: the last 90 days by day, the last 13 ISO weeks by week, the last 12 months by month, each ending today (UTC). ' +
      `Buckets with data only, oldest first; a retired month (RETENTION_DAYS) is one whole row. ${TEAM_COUNTING} ` +
      'A private team is 404 to anyone but its members and the admin. Cached briefly (ETag, Cache-Control).',
  })
  @ApiOkResponse({ standardSchema: TeamSeriesSchema })
  @ApiProblems(400, 401, 404)
  @HttpCached()
  @CsvView(TEAM_SERIES_CSV)
  series(
    @Caller() caller: Principal,
    @Param({ schema: SlugParamSchema }) params: { slug: string },
    @Query({ schema: CommunitySeriesQuerySchema }) query: CommunitySeriesQuery,
  ): Promise<TeamSeries> {
    return this.reads.series(caller, params.slug, query);
  }

  @Get(':slug/models')
  @ApiOperation({
    summary: "The team's model (by=model) or provider (by=provider) shares over a range (default: all time): tokens, cost, cost share, members who used it",
    description: `Most cost first, then most tokens, then by name; a page of limit (default 100, at most 500) with the list's total. ${TEAM_COUNTING} A private team is 404 to anyone but its members and the admin. Cached briefly (ETag, Cache-Control).`,
  })
  @ApiOkResponse({ standardSchema: TeamModelsSchema })
  @ApiProblems(400, 401, 404)
  @HttpCached()
  @CsvView(TEAM_MODELS_CSV)
  models(
    @Caller() caller: Principal,
    @Param({ schema: SlugParamSchema }) params: { slug: string },
    @Query({ schema: TeamModelsQuerySchema }) query: TeamModelsQuery,
  ): Promise<TeamModels> {
    return this.reads.models(caller, params.slug, query);
  }

  @Get(':slug/members')
  @ApiOperation({ summary: "A team's members: owners, then admins, then members, each by name (seen by whoever may see the team)" })
  @ApiOkResponse({ standardSchema: TeamMemberListSchema })
  @ApiProblems(400, 401, 404)
  @CsvView(TEAM_MEMBERS_CSV)
  members(
    @Caller() caller: Principal,
    @Param({ schema: SlugParamSchema }) params: { slug: string },
    @Query({ schema: PageQuerySchema }) page: PageQuery,
  ): Promise<TeamMemberList> {
    return this.teams.members(caller, params.slug, page);
  }

  @Patch(':slug/members/:username')
  @ApiOperation({
    summary: "Change a member's role",
    description:
      'Owners (and the admin token) set any role; team admins switch members between member and admin but never touch owners nor make one (403). ' +
      'The last owner cannot be demoted (409).',
  })
  @ApiOkResponse({ standardSchema: TeamMemberSchema })
  @ApiProblems(400, 401, 403, 404, 409, 413)
  setRole(
    @Caller() caller: Principal,
    @Param({ schema: MemberParamSchema }) params: { slug: string; username: string },
    @Body({ schema: UpdateMemberSchema }) body: { role: TeamRole },
  ): Promise<TeamMember> {
    return this.teams.setRole(caller, params.slug, params.username, body.role);
  }

  @Delete(':slug/members/:username')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Leave a team, or remove a member',
    description:
      'A member removing themself leaves (any role; the last owner cannot: 409). Owners (and the admin token) remove anyone; team admins remove members only (403 otherwise).',
  })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiProblems(400, 401, 403, 404, 409)
  async removeMember(@Caller() caller: Principal, @Param({ schema: MemberParamSchema }) params: { slug: string; username: string }): Promise<void> {
    await this.teams.removeMember(caller, params.slug, params.username);
  }

  @Post(':slug/invites')
  // The answer carries the code: no cache along the way may keep it.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Create an invite link (owner, team admin or the admin token)',
    description:
      'The code is shown only in this answer (only its SHA-256 is stored); the link is /join/<code>. Default expiry 168 hours (at most 720); maxUses ' +
      `limits how many people may join with it (none by default). Teams hold at most ${MAX_TEAM_MEMBERS} members. Creations count against RATE_LIMIT_TEAMS per user.`,
  })
  @ApiCreatedResponse({ standardSchema: IssuedInviteSchema })
  @ApiProblems(400, 401, 403, 404, 413, 429)
  createInvite(
    @Caller() caller: Principal,
    @Param({ schema: SlugParamSchema }) params: { slug: string },
    @Body({ schema: CreateInviteSchema.optional() }) body: CreateInvite | undefined,
  ): Promise<IssuedInvite> {
    return this.teams.createInvite(caller, params.slug, body ?? { expiresInHours: 168 });
  }

  @Get(':slug/invites')
  @ApiOperation({ summary: "A team's invites, newest first, without their codes (owner, team admin or the admin token)" })
  @ApiOkResponse({ standardSchema: InviteListSchema })
  @ApiProblems(400, 401, 403, 404)
  invites(
    @Caller() caller: Principal,
    @Param({ schema: SlugParamSchema }) params: { slug: string },
    @Query({ schema: PageQuerySchema }) page: PageQuery,
  ): Promise<InviteList> {
    return this.teams.invites(caller, params.slug, page);
  }

  @Delete(':slug/invites/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an invite (owner, team admin or the admin token)' })
  @ApiNoContentResponse({ description: 'Revoked: the code answers 410 from now on.' })
  @ApiProblems(400, 401, 403, 404)
  async revokeInvite(@Caller() caller: Principal, @Param({ schema: InviteIdParamSchema }) params: { slug: string; id: number }): Promise<void> {
    await this.teams.revokeInvite(caller, params.slug, params.id);
  }
}

@ApiBearerAuth()
@ApiTags('teams')
@Controller(`${API_PREFIX}/invites`)
export class InvitesController {
  constructor(private readonly teams: TeamsService) {}

  @Get(':code')
  @ApiOperation({
    summary: 'What an invite link leads to: the team, the expiry and the uses left',
    description:
      'For anyone holding the code, whatever the team’s visibility. 404 for an unknown code (counted as a failed authentication per address: ' +
      'RATE_LIMIT_AUTH_FAILURES, 429 past it), 410 for one that expired, was revoked or is used up (`reason` says which).',
  })
  @ApiOkResponse({ standardSchema: InvitePreviewSchema })
  @ApiProblems(400, 404, 410, 429)
  preview(@Param({ schema: InviteCodeParamSchema }) params: { code: string }): Promise<InvitePreview> {
    return this.teams.preview(params.code);
  }

  @Post(':code/accept')
  @ApiOperation({
    summary: "Join the invite's team as a member (a user's token)",
    description:
      '201 when the caller joined (the invite counts one use; concurrent acceptances never pass maxUses), 200 when the caller was a member already ' +
      '(nothing changes, no use counted). 404 for an unknown code (counted as a failed authentication), 410 when no longer valid, 409 for a full team.',
  })
  @ApiCreatedResponse({ standardSchema: JoinedTeamSchema })
  @ApiOkResponse({ standardSchema: JoinedTeamSchema })
  @ApiProblems(400, 401, 403, 404, 409, 410, 429)
  async accept(
    @Caller() caller: Principal,
    @Param({ schema: InviteCodeParamSchema }) params: { code: string },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JoinedTeam> {
    const result = await this.teams.accept(caller, params.code);
    void reply.status(result.joined ? 201 : 200);
    return result;
  }
}
