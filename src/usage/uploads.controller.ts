import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, type StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { csvFile, wantsCsv } from '../common/csv.js';
import type { FastifyRequest } from 'fastify';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { bodyBytesOf } from '../common/json-body.js';
import { UsernameParamSchema } from '../users/users.schemas.js';
import { UploadsService } from './uploads.service.js';
import { ALL_AGENT_DAILY_EXAMPLE, CLAUDE_DAILY_EXAMPLE, UPLOAD_RESULT_EXAMPLE } from './usage.examples.js';
import { PageQuerySchema, UploadListSchema, UploadQuerySchema, UploadResultSchema, type UploadList, type UploadQuery, type UploadResult } from './usage.schemas.js';

@ApiTags('uploads')
@ApiBearerAuth()
@Controller(API_PREFIX)
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @Post('uploads')
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

  @Get('users/:username/uploads')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({ summary: "A user's uploads, newest first (owner or admin)" })
  @ApiOkResponse({ standardSchema: UploadListSchema })
  @ApiProblems(400, 401, 403, 404)
  async list(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Query({ schema: PageQuerySchema }) page: { limit: number; offset: number; format?: 'json' | 'csv' },
    @Req() request: FastifyRequest,
  ): Promise<UploadList | StreamableFile> {
    const list = await this.uploads.list(caller, params.username, page.limit, page.offset);
    if (!wantsCsv(request, page.format)) return list;
    const header = ['id', 'createdAt', 'device', 'format', 'tz', 'days', 'from', 'to', 'inserted', 'updated', 'unchanged', 'totalTokens', 'totalCost', 'sizeBytes'];
    return csvFile(`${list.username}-uploads.csv`, header, list.uploads.map((u) => [
      u.id, u.createdAt, u.device, u.format, u.tz, u.days, u.from, u.to, u.inserted, u.updated, u.unchanged, u.totals.totalTokens, u.totals.totalCost, u.sizeBytes,
    ]));
  }
}
