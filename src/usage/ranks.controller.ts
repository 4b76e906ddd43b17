import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { HttpCached } from '../common/http-views.js';
import { UsernameParamSchema } from '../directory/username.js';
import { UserRanksQuerySchema, UserRanksSchema, type UserRanks, type UserRanksQuery } from './stats.schemas.js';
import { StatsService } from './stats.service.js';

/**
 * A user's place in every period's leaderboard. Under /users, but here: it is a leaderboard read,
 * answered by StatsService next to the leaderboard it must agree with (see docs/ARCHITECTURE.md).
 */
@ApiTags('users')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/users/:username/ranks`)
export class RanksController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @ApiOperation({
    summary: "A user's rank by a metric in every leaderboard period",
    description:
      'One entry per period (today, 7d, 30d, 90d, week, month, year, all), each equal to what GET /leaderboard says for that period and metric: ' +
      'ties share a rank (1, 2, 2, 4); rank is null when the user has no data in the period; total counts the users ranked; value is the ' +
      "user's metric (tokens as an integer, cost with 4 decimals). Cached briefly (ETag, Cache-Control).",
  })
  @ApiOkResponse({ standardSchema: UserRanksSchema })
  @ApiProblems(400, 401, 404)
  @HttpCached()
  ranks(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Query({ schema: UserRanksQuerySchema }) query: UserRanksQuery,
  ): Promise<UserRanks> {
    return this.stats.userRanks(caller, params.username, query);
  }
}
