import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query, Req, type StreamableFile } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { csvFile, wantsCsv } from '../common/csv.js';
import { ApiProduces, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import {
  CreatedUserSchema,
  CreateTokenSchema,
  CreateUserSchema,
  IssuedTokenSchema,
  TokenIdParamSchema,
  TokenListSchema,
  UsernameParamSchema,
  UserListQuerySchema,
  UserListSchema,
  type UserList,
  type UserListQuery,
  type CreatedUser,
  type IssuedToken,
  type TokenList,
} from './users.schemas.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/users`)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  // The answer carries a token: no cache along the way may keep it.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Register a user and get their first upload token',
    description:
      'Open to anyone with REGISTRATION=open (the default); with REGISTRATION=closed only the admin token may register users. ' +
      'The token is shown only in this answer. Registrations are limited per client address (RATE_LIMIT_REGISTRATION; 429 with Retry-After).',
  })
  @ApiCreatedResponse({ standardSchema: CreatedUserSchema })
  @ApiProblems(400, 401, 403, 409, 413, 429)
  register(@Caller() caller: Principal, @Body({ schema: CreateUserSchema }) body: { username: string }): Promise<CreatedUser> {
    return this.users.register(caller, body.username);
  }

  @Get()
  @ApiOperation({ summary: 'Users with their all-time totals; q filters by name prefix, sort by username, totalCost, totalTokens or lastDate' })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ standardSchema: UserListSchema })
  @ApiProblems(400, 401)
  async list(@Caller() caller: Principal, @Query({ schema: UserListQuerySchema }) query: UserListQuery, @Req() request: FastifyRequest): Promise<UserList | StreamableFile> {
    const result = await this.users.list(caller, query);
    if (!wantsCsv(request, query.format)) return result;
    return csvFile('users.csv', ['username', 'createdAt', 'firstDate', 'lastDate', 'activeDays', 'totalTokens', 'totalCost'], result.users.map((u) => [
      u.username, u.createdAt, u.firstDate, u.lastDate, u.activeDays, u.totalTokens, u.totalCost,
    ]));
  }

  @Delete(':username')
  @HttpCode(204)
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
  @ApiOperation({ summary: "List a user's tokens, without their secrets (owner or admin)" })
  @ApiOkResponse({ standardSchema: TokenListSchema })
  @ApiProblems(400, 401, 403, 404)
  listTokens(@Caller() caller: Principal, @Param({ schema: UsernameParamSchema }) params: { username: string }): Promise<TokenList> {
    return this.users.listTokens(caller, params.username);
  }

  @Delete(':username/tokens/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a token (owner or admin)' })
  @ApiNoContentResponse({ description: 'Revoked: the token answers 401 from now on.' })
  @ApiProblems(400, 401, 403, 404)
  async revokeToken(@Caller() caller: Principal, @Param({ schema: TokenIdParamSchema }) params: { username: string; id: number }): Promise<void> {
    await this.users.revokeToken(caller, params.username, params.id);
  }
}
