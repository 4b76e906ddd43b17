import { Body, Controller, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { bodyBytesOf } from '../common/json-body.js';
import { ALL_AGENT_DAILY_EXAMPLE, CLAUDE_DAILY_EXAMPLE, UPLOAD_RESULT_EXAMPLE } from './uploads.examples.js';
import { UploadQuerySchema, UploadResultSchema, type UploadQuery, type UploadResult } from './uploads.schemas.js';
import { UploadsService } from './uploads.service.js';

@ApiTags('uploads')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/uploads`)
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Upload a ccusage daily report, exactly as ccusage printed it',
    description:
      'Accepts `ccusage claude daily --json` (v20), `ccusage daily --json` (v15–v20, classic or all-agent, with or without ' +
      '--by-agent), `--instances` output and empty reports. The days in the report replace what this device reported for ' +
      'them before; other days and other devices are untouched. Re-uploading the same report changes nothing. ' +
      'Weekly, monthly, session and blocks reports are refused with 422.',
  })
  @ApiBody({
    schema: { $ref: '#/components/schemas/CcusageDailyReport' },
    examples: {
      'claude daily (v20)': { value: CLAUDE_DAILY_EXAMPLE },
      'all-agent daily (v19, v20)': { value: ALL_AGENT_DAILY_EXAMPLE },
      'empty (v15–v18)': { value: [] },
    },
  })
  @ApiOkResponse({ standardSchema: UploadResultSchema, example: UPLOAD_RESULT_EXAMPLE })
  @ApiProblems(400, 401, 403, 404, 413, 415, 422, 429)
  upload(
    @Caller() caller: Principal,
    @Query({ schema: UploadQuerySchema }) query: UploadQuery,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<UploadResult> {
    return this.uploads.upload(caller, query, body, bodyBytesOf(request.raw));
  }
}
