import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_PREFIX } from '../common/api.js';
import { type Info, InfoSchema } from './info.schemas.js';
import { InfoService } from './info.service.js';

@ApiTags('service')
@Controller(API_PREFIX)
export class InfoController {
  constructor(private readonly service: InfoService) {}

  @Get('info')
  @ApiOperation({ summary: 'What this server is: name, version, database backend and migrations' })
  @ApiOkResponse({ standardSchema: InfoSchema })
  info(): Promise<Info> {
    return this.service.info();
  }
}
