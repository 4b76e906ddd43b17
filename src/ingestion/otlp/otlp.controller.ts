import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Caller } from '../../auth/auth.decorators.js';
import type { Principal } from '../../auth/principal.js';
import { ApiProblems } from '../../common/api.js';
import type { OtlpSignal } from './otlp-decode.js';
import { TelemetryService } from './telemetry.service.js';

const BODY = {
  description:
    'An OTLP export request (ExportMetricsServiceRequest or ExportLogsServiceRequest) as binary protobuf or OTLP JSON, ' +
    'optionally with Content-Encoding: gzip. Claude Code sends it by itself: see README, "Telemetry".',
  schema: { type: 'string', format: 'binary' },
} as const;

const ANSWER =
  'The OTLP export response in the request’s encoding: empty on full success, partial_success with the refused count and the reasons otherwise. ' +
  'Failures (4xx, 503) carry a google.rpc.Status in the request’s encoding.';

/**
 * OTLP/HTTP at the service's root, so OTEL_EXPORTER_OTLP_ENDPOINT=https://stats.example.com works
 * as it is (exporters append /v1/metrics and /v1/logs). The body arrives as raw bytes
 * (`rawBody`, common/json-body.ts): the receiver decodes JSON and protobuf, gzipped or not, itself.
 */
@ApiTags('telemetry')
@ApiBearerAuth()
@Controller('v1')
export class OtlpController {
  constructor(private readonly telemetry: TelemetryService) {}

  @Post('metrics')
  @HttpCode(200)
  @RouteConfig({ rawBody: true })
  @ApiOperation({ operationId: 'exportMetrics', summary: "Receive Claude Code's OpenTelemetry metrics (OTLP/HTTP)" })
  @ApiConsumes('application/x-protobuf', 'application/json')
  @ApiProduces('application/x-protobuf', 'application/json')
  @ApiBody(BODY)
  @ApiOkResponse({ description: ANSWER })
  @ApiProblems(400, 401, 403, 413, 415, 429, 503)
  metrics(@Caller() caller: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.receive('metrics', caller, request, reply);
  }

  @Post('logs')
  @HttpCode(200)
  @RouteConfig({ rawBody: true })
  @ApiOperation({ operationId: 'exportLogs', summary: "Receive Claude Code's OpenTelemetry events (OTLP/HTTP logs)" })
  @ApiConsumes('application/x-protobuf', 'application/json')
  @ApiProduces('application/x-protobuf', 'application/json')
  @ApiBody(BODY)
  @ApiOkResponse({ description: ANSWER })
  @ApiProblems(400, 401, 403, 413, 415, 429, 503)
  logs(@Caller() caller: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.receive('logs', caller, request, reply);
  }

  private async receive(signal: OtlpSignal, caller: Principal, request: FastifyRequest, reply: FastifyReply): Promise<Buffer | string> {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const answer = await this.telemetry.receive(caller, signal, {
      body,
      contentType: request.headers['content-type'],
      contentEncoding: request.headers['content-encoding'],
    });
    void reply.header('content-type', answer.contentType);
    return answer.payload;
  }
}
