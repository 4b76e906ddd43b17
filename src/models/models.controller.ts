import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { CsvView, HttpCached } from '../common/http-views.js';
import {
  ModelParamSchema,
  ModelSeriesQuerySchema,
  ModelSeriesSchema,
  ModelsQuerySchema,
  ModelsSchema,
  ModelsSeriesQuerySchema,
  ModelsSeriesSchema,
  type ModelSeries,
  type ModelSeriesQuery,
  type Models,
  type ModelsQuery,
  type ModelsSeries,
  type ModelsSeriesQuery,
} from './models.schemas.js';
import { ModelsService } from './models.service.js';
import { MODEL_SERIES_CSV, MODELS_CSV } from './models.views.js';

@ApiTags('models')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/models`)
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  @ApiOperation({ summary: 'Models used in a range (default: all time), most cost first, with users, days, tokens and cost share; a page at a time' })
  @ApiOkResponse({ standardSchema: ModelsSchema })
  @ApiProblems(400, 401)
  @CsvView(MODELS_CSV)
  list(@Caller() caller: Principal, @Query({ schema: ModelsQuerySchema }) query: ModelsQuery): Promise<Models> {
    return this.models.models(caller, query);
  }

  @Get('series')
  @ApiOperation({
    summary: 'The top models (or providers) by cost, each as a series per day, ISO week or month, and the rest summed as one',
    description:
      'by=model (default) or provider; top (1 to 20, default 8) series by cost over the range (ties: more tokens, then name, as GET /models orders), ' +
      'in that order, then, only when there are more, one with key and provider null that sums the rest. Buckets with data only, oldest first. ' +
      'from and to both or neither; without them: all time, except by day: the last 90 days ending today (UTC). Cached briefly (ETag, Cache-Control).',
  })
  @ApiOkResponse({ standardSchema: ModelsSeriesSchema })
  @ApiProblems(400, 401)
  @HttpCached()
  topSeries(@Caller() caller: Principal, @Query({ schema: ModelsSeriesQuerySchema }) query: ModelsSeriesQuery): Promise<ModelsSeries> {
    return this.models.topSeries(caller, query);
  }

  @Get(':model/usage')
  @ApiOperation({ summary: "One model's usage per day, ISO week (labelled by its Monday) or month (labelled YYYY-MM-01)" })
  @ApiOkResponse({ standardSchema: ModelSeriesSchema })
  @ApiProblems(400, 401, 404)
  @CsvView(MODEL_SERIES_CSV)
  series(
    @Caller() caller: Principal,
    @Param({ schema: ModelParamSchema }) params: { model: string },
    @Query({ schema: ModelSeriesQuerySchema }) query: ModelSeriesQuery,
  ): Promise<ModelSeries> {
    return this.models.series(caller, params.model, query);
  }
}
