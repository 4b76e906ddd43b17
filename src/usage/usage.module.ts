import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module.js';
import { UsersModule } from '../users/users.module.js';
import { StatsController } from './stats.controller.js';
import { StatsRepository } from './stats.repository.js';
import { StatsService } from './stats.service.js';
import { UploadsController } from './uploads.controller.js';
import { UploadsRepository } from './uploads.repository.js';
import { UploadsService } from './uploads.service.js';
import { UsageController } from './usage.controller.js';
import { UsageRepository } from './usage.repository.js';
import { UsageService } from './usage.service.js';

@Module({
  imports: [UsersModule, ModelsModule],
  controllers: [UploadsController, UsageController, StatsController],
  providers: [UploadsRepository, UploadsService, UsageRepository, UsageService, StatsRepository, StatsService],
})
export class UsageModule {}
