import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { CsvView, HttpCached } from '../common/http-views.js';
import { LeaderboardQuerySchema, LeaderboardSchema, type Leaderboard, type LeaderboardQuery } from './stats.schemas.js';
import { StatsService } from './stats.service.js';
import { LEADERBOARD_CSV } from './usage.views.js';

@ApiTags('stats')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/leaderboard`)
export class LeaderboardController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @ApiOperation({
    // operationIds are what generated clients call; this one keeps the name it was published with.
    operationId: 'StatsController_leaderboard',
    summary: 'Users ranked by cost or tokens over a period',
    description:
      'period: today, 7d, 30d, 90d (rolling, ending today UTC), week (ISO, Monday to Sunday), month, year (the current calendar ones) ' +
      "or all; from and to instead give a custom range. Ties share a rank and are ordered by username. sparklines=true adds each entry's " +
      'last30Days: the metric on each UTC day from today−29 to today, oldest first (JSON only). Cached briefly (ETag, Cache-Control).',
  })
  @ApiOkResponse({ standardSchema: LeaderboardSchema })
  @ApiProblems(400, 401)
  @HttpCached()
  @CsvView(LEADERBOARD_CSV)
  leaderboard(@Caller() caller: Principal, @Query({ schema: LeaderboardQuerySchema }) query: LeaderboardQuery): Promise<Leaderboard> {
    return this.stats.leaderboard(caller, query);
  }
}
