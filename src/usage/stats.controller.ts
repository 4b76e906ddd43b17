import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { CsvView, HttpCached } from '../common/http-views.js';
import { RangeQuerySchema, type RangeQuery } from '../read-model/range.schemas.js';
import {
  CommunitySeriesQuerySchema,
  CommunitySeriesSchema,
  SummarySchema,
  type CommunitySeries,
  type CommunitySeriesQuery,
  type Summary,
} from './stats.schemas.js';
import { StatsService } from './stats.service.js';
import { COMMUNITY_SERIES_CSV } from './usage.views.js';

@ApiTags('stats')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/stats`)
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('summary')
  @ApiOperation({ summary: 'Users, active users, days, totals, top model and top user over a range (default: all time)' })
  @ApiOkResponse({ standardSchema: SummarySchema })
  @ApiProblems(400, 401)
  @HttpCached()
  summary(@Caller() caller: Principal, @Query({ schema: RangeQuerySchema }) query: RangeQuery): Promise<Summary> {
    return this.stats.summary(caller, query);
  }

  @Get('series')
  @ApiOperation({
    summary: "Every user's usage and active users per day, ISO week (labelled by its Monday) or month (labelled YYYY-MM-01)",
    description:
      'from and to both or neither; without them: the last 90 days by day, the last 13 ISO weeks by week, the last 12 months by month, ' +
      'each ending today (UTC). Buckets with data only, oldest first. activeUsers counts distinct users in the bucket (within the range). ' +
      'Retired months (RETENTION_DAYS) keep their days here. Cached briefly (ETag, Cache-Control).',
  })
  @ApiOkResponse({ standardSchema: CommunitySeriesSchema })
  @ApiProblems(400, 401)
  @HttpCached()
  @CsvView(COMMUNITY_SERIES_CSV)
  series(@Caller() caller: Principal, @Query({ schema: CommunitySeriesQuerySchema }) query: CommunitySeriesQuery): Promise<CommunitySeries> {
    return this.stats.communitySeries(caller, query);
  }
}
