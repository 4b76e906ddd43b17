import { Controller, Get, Query, Req, Res, type StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiNotModifiedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { csvFile, wantsCsv } from '../common/csv.js';
import { notModified } from '../common/http-cache.js';
import {
  ExportQuerySchema,
  ExportSchema,
  LeaderboardQuerySchema,
  LeaderboardSchema,
  RangeQuerySchema,
  SummarySchema,
  WeeklyQuerySchema,
  WeeklySchema,
  type ExportPage,
  type ExportQuery,
  type Leaderboard,
  type LeaderboardQuery,
  type RangeQuery,
  type Summary,
  type Weekly,
} from './stats.schemas.js';
import { StatsService } from './stats.service.js';

const CACHE_SECONDS = 30;
export const TOKEN_HEADER = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens'] as const;

@ApiTags('stats')
@ApiBearerAuth()
@ApiProduces('application/json', 'text/csv')
@Controller(API_PREFIX)
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('leaderboard')
  @ApiOperation({
    summary: 'Users ranked by cost or tokens over a period',
    description:
      'period: today, 7d, 30d, 90d (rolling, ending today UTC), week (ISO, Monday to Sunday), month, year (the current calendar ones) ' +
      'or all; from and to instead give a custom range. Ties share a rank and are ordered by username. Cached briefly (ETag, Cache-Control).',
  })
  @ApiOkResponse({ standardSchema: LeaderboardSchema })
  @ApiNotModifiedResponse({ description: 'If-None-Match matched the current ETag.' })
  @ApiProblems(400, 401)
  async leaderboard(
    @Caller() caller: Principal,
    @Query({ schema: LeaderboardQuerySchema }) query: LeaderboardQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Leaderboard | StreamableFile | undefined> {
    const board = await this.stats.leaderboard(caller, query);
    if (wantsCsv(request, query.format)) {
      return csvFile(`leaderboard-${board.period}.csv`, ['rank', 'username', ...TOKEN_HEADER, 'totalCost', 'activeDays', 'topModel'], board.entries.map((e) => [
        e.rank, e.username, e.inputTokens, e.outputTokens, e.cacheCreationTokens, e.cacheReadTokens, e.totalTokens, e.totalCost, e.activeDays, e.topModel,
      ]));
    }
    return notModified(request, reply, board, CACHE_SECONDS, this.stats.privateReads) ? undefined : board;
  }

  @Get('stats/summary')
  @ApiOperation({ summary: 'Users, active users, days, totals, top model and top user over a range (default: all time)' })
  @ApiOkResponse({ standardSchema: SummarySchema })
  @ApiNotModifiedResponse({ description: 'If-None-Match matched the current ETag.' })
  @ApiProblems(400, 401)
  async summary(
    @Caller() caller: Principal,
    @Query({ schema: RangeQuerySchema }) query: RangeQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Summary | undefined> {
    const summary = await this.stats.summary(caller, query);
    return notModified(request, reply, summary, CACHE_SECONDS, this.stats.privateReads) ? undefined : summary;
  }

  @Get('usage/weekly')
  @ApiOperation({ summary: "Every user's days of the last 7 days including today (UTC), newest first, then by username" })
  @ApiOkResponse({ standardSchema: WeeklySchema })
  @ApiProblems(400, 401)
  async weekly(
    @Caller() caller: Principal,
    @Query({ schema: WeeklyQuerySchema }) query: { limit: number; offset: number; format?: 'json' | 'csv' },
    @Req() request: FastifyRequest,
  ): Promise<Weekly | StreamableFile> {
    const weekly = await this.stats.weekly(caller, query.limit, query.offset);
    if (!wantsCsv(request, query.format)) return weekly;
    return csvFile('weekly.csv', ['username', 'date', 'totalCost', 'totalTokens'], weekly.rows.map((r) => [r.username, r.date, r.totalCost, r.totalTokens]));
  }

  @Get('usage')
  @ApiOperation({
    summary: "Every user's daily rows in a range (default: the last 30 days), for exports",
    description: 'JSON pages follow nextCursor. CSV streams the whole range (from cursor on, if given) in one response.',
  })
  @ApiOkResponse({ standardSchema: ExportSchema })
  @ApiProblems(400, 401, 404)
  async export(
    @Caller() caller: Principal,
    @Query({ schema: ExportQuerySchema }) query: ExportQuery,
    @Req() request: FastifyRequest,
  ): Promise<ExportPage | StreamableFile> {
    if (!wantsCsv(request, query.format)) return this.stats.exportPage(caller, query);
    const rows = await this.stats.exportAll(caller, query);
    return csvFile('usage.csv', ['username', 'date', ...TOKEN_HEADER, 'totalCost'], (async function* () {
      for await (const r of rows) yield [r.username, r.date, r.inputTokens, r.outputTokens, r.cacheCreationTokens, r.cacheReadTokens, r.totalTokens, r.totalCost];
    })());
  }
}
