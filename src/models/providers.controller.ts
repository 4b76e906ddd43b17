import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { CsvView } from '../common/http-views.js';
import { ModelsQuerySchema, ProvidersSchema, type ModelsQuery, type Providers } from './models.schemas.js';
import { ModelsService } from './models.service.js';
import { PROVIDERS_CSV } from './models.views.js';

@ApiTags('models')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/providers`)
export class ProvidersController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  // operationIds are what generated clients call; this one keeps the name it was published with.
  @ApiOperation({ operationId: 'ModelsController_providers', summary: 'Usage per provider in a range (default: all time), most cost first; a page at a time' })
  @ApiOkResponse({ standardSchema: ProvidersSchema })
  @ApiProblems(400, 401)
  @CsvView(PROVIDERS_CSV)
  providers(@Caller() caller: Principal, @Query({ schema: ModelsQuerySchema }) query: ModelsQuery): Promise<Providers> {
    return this.models.providers(caller, query);
  }
}
