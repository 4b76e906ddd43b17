import { Controller, Get, Param, Query, Req, type StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { csvFile, wantsCsv } from '../common/csv.js';
import { TOKEN_HEADER } from './stats.controller.js';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { UsernameParamSchema } from '../users/users.schemas.js';
import { UsageRangeQuerySchema, UserProfileSchema, UserUsageSchema, type UsageRangeQuery, type UserProfile, type UserUsage } from './usage.schemas.js';
import { UsageService } from './usage.service.js';

@ApiTags('usage')
@ApiBearerAuth()
@Controller(API_PREFIX)
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get('users/:username/usage')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary: "A user's usage per day, ISO week (labelled by its Monday) or month (labelled YYYY-MM-01), with each bucket's models",
    description: 'Field names follow ccusage, so the numbers compare directly with `ccusage daily --json`. Costs are decimal strings with 4 places.',
  })
  @ApiOkResponse({ standardSchema: UserUsageSchema })
  @ApiProblems(400, 401, 404)
  async userUsage(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Query({ schema: UsageRangeQuerySchema }) query: UsageRangeQuery,
    @Req() request: FastifyRequest,
  ): Promise<UserUsage | StreamableFile> {
    const usage = await this.usage.userUsage(caller, params.username, query);
    if (!wantsCsv(request, query.format)) return usage;
    // One line per bucket, or per bucket and model when models are asked for (the default).
    const header = ['date', ...(query.models ? ['model', 'provider'] : []), ...TOKEN_HEADER, 'cost'];
    const lines = usage.rows.flatMap((r) =>
      query.models
        ? (r.models ?? []).map((m) => [r.date, m.model, m.provider, m.inputTokens, m.outputTokens, m.cacheCreationTokens, m.cacheReadTokens, m.totalTokens, m.cost])
        : [[r.date, r.inputTokens, r.outputTokens, r.cacheCreationTokens, r.cacheReadTokens, r.totalTokens, r.totalCost]],
    );
    return csvFile(`${usage.username}-usage.csv`, header, lines);
  }

  @Get('users/:username')
  @ApiOperation({ summary: "A user's profile: totals, the last 7 and 30 days, top models and devices" })
  @ApiOkResponse({ standardSchema: UserProfileSchema })
  @ApiProblems(400, 401, 404)
  profile(@Caller() caller: Principal, @Param({ schema: UsernameParamSchema }) params: { username: string }): Promise<UserProfile> {
    return this.usage.profile(caller, params.username);
  }
}
