import { Controller, Get, Query, Req, type StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { wantsCsv } from '../common/csv.js';
import { csvOf, CsvView } from '../common/http-views.js';
import { ExportQuerySchema, ExportSchema, WeeklyQuerySchema, WeeklySchema, type ExportPage, type ExportQuery, type Weekly } from './stats.schemas.js';
import { StatsService } from './stats.service.js';
import { EXPORT_COLUMNS, WEEKLY_CSV } from './usage.views.js';

/** Every user's usage: the export and the weekly view. (One user's usage is under /users.) */
@ApiTags('stats')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/usage`)
export class UsageController {
  constructor(private readonly stats: StatsService) {}

  @Get('weekly')
  // operationIds are what generated clients call; these keep the names they were published with.
  @ApiOperation({
    operationId: 'StatsController_weekly',
    summary: "Every user's days of the last 7 days including today (UTC), newest first, then by username",
  })
  @ApiOkResponse({ standardSchema: WeeklySchema })
  @ApiProblems(400, 401)
  @CsvView(WEEKLY_CSV)
  weekly(
    @Caller() caller: Principal,
    @Query({ schema: WeeklyQuerySchema }) query: { limit: number; offset: number; format?: 'json' | 'csv' },
  ): Promise<Weekly> {
    return this.stats.weekly(caller, query.limit, query.offset);
  }

  @Get()
  @ApiOperation({
    operationId: 'StatsController_export',
    summary: "Every user's daily rows in a range (default: the last 30 days), for exports",
    description: 'JSON pages follow nextCursor. CSV streams the whole range (from cursor on, if given) in one response.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ standardSchema: ExportSchema })
  @ApiProblems(400, 401, 404)
  async export(
    @Caller() caller: Principal,
    @Query({ schema: ExportQuerySchema }) query: ExportQuery,
    @Req() request: FastifyRequest,
  ): Promise<ExportPage | StreamableFile> {
    // A CSV is the whole range, read a page at a time as it streams; JSON is one page.
    if (!wantsCsv(request, query.format)) return this.stats.exportPage(caller, query);
    return csvOf('usage.csv', EXPORT_COLUMNS, await this.stats.exportAll(caller, query));
  }
}
