import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Operations, Probe } from '../auth/auth.decorators.js';
import { ApiProblems } from '../common/api.js';
import { HealthSchema } from './health.schemas.js';
import { type HealthAnswer, HealthService } from './health.service.js';

const unavailable = { status: 503, description: 'A check is down; `error` names it', schema: { $ref: '#/components/schemas/Health' } };

/**
 * Kubernetes probes and the detailed health report, outside /api/v1. The probes are open to all and
 * say only up or down per check; the detail (directories, free disk, pool, backup errors) needs the
 * admin token or METRICS_TOKEN.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @Probe()
  @ApiOperation({
    summary: 'Liveness: 200 while the process and its event loop respond; never touches the database. Public; any Authorization header is ignored',
  })
  @ApiOkResponse({ standardSchema: HealthSchema })
  live(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    return send(reply, Promise.resolve(this.health.live()));
  }

  @Get('ready')
  @Probe()
  @ApiOperation({
    summary:
      'Readiness: database (SELECT 1 within 1 s), migrations, backup disk, heap; 503 naming the failing check. Public, status per check only; any Authorization header is ignored',
  })
  @ApiOkResponse({ standardSchema: HealthSchema })
  @ApiResponse(unavailable)
  ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    return send(reply, this.health.ready());
  }

  @Get()
  @Operations()
  @ApiOperation({
    summary: 'Every check in detail, with pool usage and the last backup (a failed backup reports "degraded"); the admin token or METRICS_TOKEN',
  })
  @ApiOkResponse({ standardSchema: HealthSchema })
  @ApiResponse(unavailable)
  @ApiProblems(401, 403)
  detail(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    return send(reply, this.health.detail());
  }
}

async function send(reply: FastifyReply, answer: Promise<HealthAnswer>): Promise<HealthCheckResult> {
  const { status, body } = await answer;
  void reply.status(status).header('Cache-Control', 'no-store');
  return body;
}
