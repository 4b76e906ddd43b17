import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '../../auth/auth.decorators.js';
import type { Principal } from '../../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../../common/api.js';
import { TelemetryStatusQuerySchema, TelemetryStatusSchema, type TelemetryStatus, type TelemetryStatusQuery } from '../sources.schemas.js';
import { SourcesService } from '../sources.service.js';

/**
 * Whether Claude Code's export reaches the server, for the token's owner: Claude Code drops a
 * refused batch silently, so this is how a person checks their settings before relying on them.
 */
@ApiTags('telemetry')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/telemetry`)
export class TelemetryStatusController {
  constructor(private readonly sources: SourcesService) {}

  @Get('status')
  // It shows the identity attributes the exporter sent (an email address): no cache keeps it.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "What the telemetry receiver got from the token's user, per device and signal",
    description:
      "The token's own user; the admin token names the user with ?username= (and does not see the identity attributes). " +
      'receiving is true when a batch arrived in the last 10 minutes; hint says what to check when nothing arrives.',
  })
  @ApiOkResponse({ standardSchema: TelemetryStatusSchema })
  @ApiProblems(400, 401, 403, 404)
  status(@Caller() caller: Principal, @Query({ schema: TelemetryStatusQuerySchema }) query: TelemetryStatusQuery): Promise<TelemetryStatus> {
    return this.sources.telemetryStatus(caller, query);
  }
}
