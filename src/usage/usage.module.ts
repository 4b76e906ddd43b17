import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { UploadsController } from './uploads.controller.js';
import { UploadsRepository } from './uploads.repository.js';
import { UploadsService } from './uploads.service.js';
import { UsageController } from './usage.controller.js';
import { UsageRepository } from './usage.repository.js';
import { UsageService } from './usage.service.js';

@Module({
  imports: [UsersModule],
  controllers: [UploadsController, UsageController],
  providers: [UploadsRepository, UploadsService, UsageRepository, UsageService],
})
export class UsageModule {}
