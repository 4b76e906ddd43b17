import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { HttpCached } from '../common/http-views.js';
import { RangeQuerySchema, type RangeQuery } from '../read-model/range.schemas.js';
import { SummarySchema, type Summary } from './stats.schemas.js';
import { StatsService } from './stats.service.js';

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
}
