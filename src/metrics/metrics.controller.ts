import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Operations } from '../auth/auth.decorators.js';
import { ApiProblems } from '../common/api.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('operations')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Operations('metrics')
  @ApiOperation({
    summary: 'Prometheus metrics: requests, queries, pool, uploads, backups, table sizes',
    description: 'Needs the admin token or METRICS_TOKEN (Prometheus: `authorization: { credentials: … }`), unless METRICS_PUBLIC=true.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    content: { 'text/plain': { schema: { type: 'string', example: 'ccstats_uploads_total 42\n' } } },
  })
  @ApiProblems(401, 403)
  scrape(): Promise<string> {
    return this.metrics.metrics();
  }
}
