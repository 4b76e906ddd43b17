import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { CsvView } from '../common/http-views.js';
import { UsernameParamSchema } from '../directory/username.js';
import { SourcesQuerySchema, SourcesSchema, type Sources, type SourcesQuery } from '../ingestion/sources.schemas.js';
import { SourcesService } from '../ingestion/sources.service.js';
import { PageQuerySchema, UploadListSchema, type UploadList } from '../ingestion/uploads.schemas.js';
import { UploadsService } from '../ingestion/uploads.service.js';
import { UPLOADS_CSV } from '../ingestion/uploads.views.js';
import { ActivityQuerySchema, UserActivitySchema, type ActivityQuery, type UserActivity } from '../usage/activity.schemas.js';
import { ActivityService } from '../usage/activity.service.js';
import { UsageRangeQuerySchema, UserProfileSchema, UserUsageSchema, type UsageRangeQuery, type UserProfile, type UserUsage } from '../usage/usage.schemas.js';
import { UsageService } from '../usage/usage.service.js';
import { USER_USAGE_BY_MODEL_CSV, USER_USAGE_CSV } from '../usage/usage.views.js';
import {
  CreatedUserSchema,
  CreateTokenSchema,
  CreateUserSchema,
  IssuedTokenSchema,
  PrivacySchema,
  PrivacyUpdateSchema,
  TokenIdParamSchema,
  TokenListSchema,
  UserListQuerySchema,
  UserListSchema,
  type UserList,
  type UserListQuery,
  type CreatedUser,
  type CreateUser,
  type IssuedToken,
  type Privacy,
  type PrivacyUpdate,
  type TokenList,
} from './users.schemas.js';
import { UsersService } from './users.service.js';
import { USERS_CSV } from './users.views.js';

@ApiBearerAuth()
@Controller(`${API_PREFIX}/users`)
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly usage: UsageService,
    private readonly uploads: UploadsService,
    private readonly activity: ActivityService,
    private readonly sources: SourcesService,
  ) {}

  @Post()
  // The answer carries a token: no cache along the way may keep it.
  @Header('Cache-Control', 'no-store')
  @ApiTags('users')
  @ApiOperation({
    summary: 'Register a user and get their first upload token',
    description:
      'Open to anyone with REGISTRATION=open (the default); with REGISTRATION=closed only the admin token may register users; with ' +
      'REGISTRATION=invite only callers with a valid team invite code (`invite`) or the admin token (403 otherwise). With an invite the new ' +
      'user joins its team as a member in the same transaction (403 for an unknown code, 410 for an expired, revoked or used-up one; nothing is stored). ' +
      'The token is shown only in this answer. Registrations are limited per client address (RATE_LIMIT_REGISTRATION; 429 with Retry-After).',
  })
  @ApiCreatedResponse({ standardSchema: CreatedUserSchema })
  @ApiProblems(400, 401, 403, 409, 410, 413, 429)
  register(@Caller() caller: Principal, @Body({ schema: CreateUserSchema }) body: CreateUser): Promise<CreatedUser> {
    return this.users.register(caller, body.username, body.invite);
  }

  @Get()
  @ApiTags('users')
  @ApiOperation({ summary: 'Users with their all-time totals; q filters by name prefix, sort by username, totalCost, totalTokens or lastDate' })
  @ApiOkResponse({ standardSchema: UserListSchema })
  @ApiProblems(400, 401)
  @CsvView(USERS_CSV)
  list(@Caller() caller: Principal, @Query({ schema: UserListQuerySchema }) query: UserListQuery): Promise<UserList> {
    return this.users.list(caller, query);
  }

  @Get(':username')
  // operationIds are what generated clients call, and tags group the docs: the routes that moved here keep both as published.
  @ApiTags('usage')
  @ApiOperation({ operationId: 'UsageController_profile', summary: "A user's profile: totals, the last 7 and 30 days, top models and devices" })
  @ApiOkResponse({ standardSchema: UserProfileSchema })
  @ApiProblems(400, 401, 404)
  profile(@Caller() caller: Principal, @Param({ schema: UsernameParamSchema }) params: { username: string }): Promise<UserProfile> {
    return this.usage.profile(caller, params.username);
  }

  @Get(':username/usage')
  @ApiTags('usage')
  @ApiOperation({
    operationId: 'UsageController_userUsage',
    summary: "A user's usage per day, ISO week (labelled by its Monday) or month (labelled YYYY-MM-01), with each bucket's models",
    description: 'Field names follow ccusage, so the numbers compare directly with `ccusage daily --json`. Costs are decimal strings with 4 places.',
  })
  @ApiOkResponse({ standardSchema: UserUsageSchema })
  @ApiProblems(400, 401, 404)
  // One CSV line per bucket, or per bucket and model when models are asked for (the default).
  @CsvView((query) => (query.models === 'false' ? USER_USAGE_CSV : USER_USAGE_BY_MODEL_CSV))
  userUsage(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Query({ schema: UsageRangeQuerySchema }) query: UsageRangeQuery,
  ): Promise<UserUsage> {
    return this.usage.userUsage(caller, params.username, query);
  }

  @Get(':username/activity')
  @ApiTags('usage')
  @ApiOperation({
    summary: "A user's activity from Claude Code's telemetry per day, ISO week (labelled by its Monday) or month (labelled YYYY-MM-01)",
    description:
      'Sessions, lines added and removed, commits, pull requests, edit decisions, active time (user and CLI, in seconds) and API requests ' +
      'and errors, as Claude Code exported them (OTLP, POST /v1/metrics and /v1/logs). Default range: the last 30 UTC days ending today. ' +
      'rows: buckets with activity only, oldest first; editDecisions and apiByModel: over the whole range.',
  })
  @ApiOkResponse({ standardSchema: UserActivitySchema })
  @ApiProblems(400, 401, 404)
  userActivity(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Query({ schema: ActivityQuerySchema }) query: ActivityQuery,
  ): Promise<UserActivity> {
    return this.activity.userActivity(caller, params.username, query);
  }

  @Get(':username/uploads')
  @ApiTags('uploads')
  @ApiOperation({ operationId: 'UploadsController_list', summary: "A user's uploads, newest first (owner or admin)" })
  @ApiOkResponse({ standardSchema: UploadListSchema })
  @ApiProblems(400, 401, 403, 404)
  @CsvView(UPLOADS_CSV)
  uploadList(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Query({ schema: PageQuerySchema }) page: { limit: number; offset: number; format?: 'json' | 'csv' },
  ): Promise<UploadList> {
    return this.uploads.list(caller, params.username, page.limit, page.offset);
  }

  @Get(':username/sources')
  @ApiTags('uploads')
  @ApiOperation({
    summary: 'Per device and day, what reported it: a ccusage upload or telemetry, and when each device last sent (owner or admin)',
    description:
      'Default range: the last 30 UTC days ending today; at most 366 days. counted is what the day is counted from (an upload replaces ' +
      'telemetry for its device and day); telemetryTokens is what telemetry reported, counted or not. The caller is checked before the name is looked up.',
  })
  @ApiOkResponse({ standardSchema: SourcesSchema })
  @ApiProblems(400, 401, 403, 404)
  userSources(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Query({ schema: SourcesQuerySchema }) query: SourcesQuery,
  ): Promise<Sources> {
    return this.sources.sources(caller, params.username, query);
  }

  @Get(':username/privacy')
  @Header('Cache-Control', 'private, no-store')
  @ApiTags('users')
  @ApiOperation({
    summary: 'Who may see the user, whether others see their cost, their display name (owner or admin)',
    description: "See docs/privacy.md. The caller is checked before the name is looked up. defaults are the server's for new users.",
  })
  @ApiOkResponse({ standardSchema: PrivacySchema })
  @ApiProblems(400, 401, 403, 404)
  privacy(@Caller() caller: Principal, @Param({ schema: UsernameParamSchema }) params: { username: string }): Promise<Privacy> {
    return this.users.privacy(caller, params.username);
  }

  @Patch(':username/privacy')
  @Header('Cache-Control', 'private, no-store')
  @ApiTags('users')
  @ApiOperation({
    summary: "Change the user's visibility, showCost or display name (owner or admin)",
    description:
      'Fields left out keep their value; displayName null removes it. Every read honours the change from the next request, on every replica: ' +
      'boards, profiles, ranks, badges, lists, CSV, team boards (docs/privacy.md).',
  })
  @ApiOkResponse({ standardSchema: PrivacySchema })
  @ApiProblems(400, 401, 403, 404, 413)
  updatePrivacy(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Body({ schema: PrivacyUpdateSchema }) body: PrivacyUpdate,
  ): Promise<Privacy> {
    return this.users.updatePrivacy(caller, params.username, body);
  }

  @Delete(':username')
  @HttpCode(204)
  @ApiTags('users')
  @ApiOperation({
    summary: 'Delete a user and all their data (owner or admin)',
    description: 'The caller is checked before the name is looked up: 401 without a token and 403 for another user, whether that user exists or not.',
  })
  @ApiNoContentResponse({ description: 'Deleted, with every upload, day and token of the user.' })
  @ApiProblems(400, 401, 403, 404)
  async remove(@Caller() caller: Principal, @Param({ schema: UsernameParamSchema }) params: { username: string }): Promise<void> {
    await this.users.remove(caller, params.username);
  }

  @Post(':username/tokens')
  @Header('Cache-Control', 'no-store')
  @ApiTags('users')
  @ApiOperation({
    summary: 'Issue another upload token (owner or admin)',
    description:
      'One token per machine makes revoking one machine easy. A user holds at most MAX_ACTIVE_TOKENS live tokens (409 beyond; revoke one) ' +
      'and may request RATE_LIMIT_TOKEN_ISSUANCE tokens per window (429 with Retry-After); the admin token is limited by neither.',
  })
  @ApiCreatedResponse({ standardSchema: IssuedTokenSchema })
  @ApiProblems(400, 401, 403, 404, 409, 413, 429)
  issueToken(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Body({ schema: CreateTokenSchema.optional() }) body: { name?: string } | undefined,
  ): Promise<IssuedToken> {
    return this.users.issueToken(caller, params.username, body?.name);
  }

  @Get(':username/tokens')
  @ApiTags('users')
  @ApiOperation({ summary: "List a user's tokens, without their secrets (owner or admin)" })
  @ApiOkResponse({ standardSchema: TokenListSchema })
  @ApiProblems(400, 401, 403, 404)
  listTokens(@Caller() caller: Principal, @Param({ schema: UsernameParamSchema }) params: { username: string }): Promise<TokenList> {
    return this.users.listTokens(caller, params.username);
  }

  @Delete(':username/tokens/:id')
  @HttpCode(204)
  @ApiTags('users')
  @ApiOperation({ summary: 'Revoke a token (owner or admin)' })
  @ApiNoContentResponse({ description: 'Revoked: the token answers 401 from now on.' })
  @ApiProblems(400, 401, 403, 404)
  async revokeToken(@Caller() caller: Principal, @Param({ schema: TokenIdParamSchema }) params: { username: string; id: number }): Promise<void> {
    await this.users.revokeToken(caller, params.username, params.id);
  }
}
