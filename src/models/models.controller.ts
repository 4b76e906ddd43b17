import { Controller, Get, Param, Query, Req, type StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { csvFile, wantsCsv } from '../common/csv.js';
import { ModelParamSchema, ModelSeriesQuerySchema, ModelSeriesSchema, ModelsQuerySchema, ModelsSchema, ProvidersSchema, type ModelSeries, type ModelSeriesQuery, type Models, type ModelsQuery, type Providers } from './models.schemas.js';
import { ModelsService } from './models.service.js';

const rangeOf = (q: ModelsQuery) => (q.from && q.to ? { from: q.from, to: q.to } : undefined);
const pageOf = (q: ModelsQuery) => ({ limit: q.limit, offset: q.offset });
const TOKENS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens'] as const;

@ApiTags('models')
@ApiBearerAuth()
@ApiProduces('application/json', 'text/csv')
@Controller(API_PREFIX)
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get('models')
  @ApiOperation({ summary: 'Models used in a range (default: all time), most cost first, with users, days, tokens and cost share; a page at a time' })
  @ApiOkResponse({ standardSchema: ModelsSchema })
  @ApiProblems(400, 401)
  async list(@Caller() caller: Principal, @Query({ schema: ModelsQuerySchema }) query: ModelsQuery, @Req() request: FastifyRequest): Promise<Models | StreamableFile> {
    const result = await this.models.models(caller, rangeOf(query), pageOf(query));
    if (!wantsCsv(request, query.format)) return result;
    return csvFile('models.csv', ['model', 'provider', 'users', 'activeDays', ...TOKENS, 'cost', 'costShare'], result.models.map((m) => [
      m.model, m.provider, m.users, m.activeDays, m.inputTokens, m.outputTokens, m.cacheCreationTokens, m.cacheReadTokens, m.totalTokens, m.cost, m.costShare,
    ]));
  }

  @Get('models/:model/usage')
  @ApiOperation({ summary: "One model's usage per day, ISO week (labelled by its Monday) or month (labelled YYYY-MM-01)" })
  @ApiOkResponse({ standardSchema: ModelSeriesSchema })
  @ApiProblems(400, 401, 404)
  async series(
    @Caller() caller: Principal,
    @Param({ schema: ModelParamSchema }) params: { model: string },
    @Query({ schema: ModelSeriesQuerySchema }) query: ModelSeriesQuery,
    @Req() request: FastifyRequest,
  ): Promise<ModelSeries | StreamableFile> {
    const result = await this.models.series(caller, params.model, query);
    if (!wantsCsv(request, query.format)) return result;
    return csvFile('model-usage.csv', ['date', 'users', 'activeDays', ...TOKENS, 'cost'], result.rows.map((r) => [
      r.date, r.users, r.activeDays, r.inputTokens, r.outputTokens, r.cacheCreationTokens, r.cacheReadTokens, r.totalTokens, r.cost,
    ]));
  }

  @Get('providers')
  @ApiOperation({ summary: 'Usage per provider in a range (default: all time), most cost first; a page at a time' })
  @ApiOkResponse({ standardSchema: ProvidersSchema })
  @ApiProblems(400, 401)
  async providers(@Caller() caller: Principal, @Query({ schema: ModelsQuerySchema }) query: ModelsQuery, @Req() request: FastifyRequest): Promise<Providers | StreamableFile> {
    const result = await this.models.providers(caller, rangeOf(query), pageOf(query));
    if (!wantsCsv(request, query.format)) return result;
    return csvFile('providers.csv', ['provider', 'users', 'activeDays', ...TOKENS, 'cost', 'costShare'], result.providers.map((p) => [
      p.provider, p.users, p.activeDays, p.inputTokens, p.outputTokens, p.cacheCreationTokens, p.cacheReadTokens, p.totalTokens, p.cost, p.costShare,
    ]));
  }
}
