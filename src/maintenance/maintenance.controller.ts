import { Controller, Get, HttpCode, Param, Post, Res, StreamableFile, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminGuard } from '../auth/admin.guard.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { BackupFailedError, BackupService } from './backup.service.js';
import { DbStatsService } from './db-stats.service.js';
import {
  type BackupCreated,
  BackupCreatedSchema,
  type BackupList,
  BackupListSchema,
  BackupNameParamSchema,
  type DbStats,
  DbStatsSchema,
  type RetentionRun,
  RetentionRunSchema,
} from './maintenance.schemas.js';
import { RetentionService } from './retention.service.js';

@ApiTags('maintenance')
@ApiBearerAuth()
@ApiProblems(401, 403)
@UseGuards(AdminGuard)
@Controller(`${API_PREFIX}/maintenance`)
export class MaintenanceController {
  constructor(
    private readonly backups: BackupService,
    private readonly dbStatsService: DbStatsService,
    private readonly retention: RetentionService,
  ) {}

  @Post('backups')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Take a backup now (admin)',
    description: 'Waits for a backup already running on any replica, then dumps the database into BACKUP_DIR.',
  })
  @ApiCreatedResponse({ standardSchema: BackupCreatedSchema })
  @ApiProblems(500)
  async create(): Promise<BackupCreated> {
    try {
      return await this.backups.runNow();
    } catch (error) {
      if (error instanceof BackupFailedError) throw new DomainError(ErrorCode.Internal, `The backup failed: ${error.message}`);
      throw error;
    }
  }

  @Get('backups')
  @ApiOperation({ summary: 'List backups with sizes and times, and the last run’s outcome (admin)' })
  @ApiOkResponse({ standardSchema: BackupListSchema })
  list(): Promise<BackupList> {
    return this.backups.list();
  }

  @Get('backups/:name')
  @ApiOperation({ summary: 'Download one backup, a gzipped SQL script (admin)' })
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: '^backup_\\d{8}_\\d{6}\\.sql\\.gz$', example: 'backup_20261126_030000.sql.gz' } })
  @ApiProduces('application/gzip')
  @ApiOkResponse({ description: 'The backup file', content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } } })
  @ApiProblems(400, 404)
  async download(@Param('name', { schema: BackupNameParamSchema }) name: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<StreamableFile> {
    const { stream, sizeBytes } = await this.backups.open(name);
    void reply.header('Cache-Control', 'no-store');
    return new StreamableFile(stream, { type: 'application/gzip', disposition: `attachment; filename="${name}"`, length: sizeBytes });
  }

  @Get('db-stats')
  @ApiOperation({ summary: 'Pool usage, slowest query shapes, table sizes and growth since the last backup, index usage (admin)' })
  @ApiOkResponse({ standardSchema: DbStatsSchema })
  dbStats(): Promise<DbStats> {
    return this.dbStatsService.dbStats();
  }

  @Post('retention')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Retire old daily rows now (admin)',
    description:
      'Waits for a retention run in progress on any replica, then archives every whole month that ended more than RETENTION_DAYS ago ' +
      'into ARCHIVE_DIR (usage_YYYY-MM.jsonl.gz) and deletes its daily rows, one transaction per month. Totals stay in the monthly summaries. ' +
      '409 when RETENTION_DAYS is not set.',
  })
  @ApiOkResponse({ standardSchema: RetentionRunSchema })
  @ApiProblems(409, 500)
  retire(): Promise<RetentionRun> {
    return this.retention.runNow();
  }
}
