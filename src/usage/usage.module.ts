import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/user-directory.js';
import { ModelsModule } from '../models/models.module.js';
import { ActivityRepository } from './activity.repository.js';
import { ActivityService } from './activity.service.js';
import { LeaderboardController } from './leaderboard.controller.js';
import { RanksController } from './ranks.controller.js';
import { StatsController } from './stats.controller.js';
import { StatsRepository } from './stats.repository.js';
import { StatsService } from './stats.service.js';
import { UsageController } from './usage.controller.js';
import { UsageRepository } from './usage.repository.js';
import { UsageService } from './usage.service.js';

/**
 * Reading usage: leaderboards, the summary, the community series, the weekly view and the export
 * over every user, a user's ranks (/users/:username/ranks, served here beside the leaderboard), and
 * one user's usage, profile and activity (served under /users by the users controller). Nothing here writes.
 */
@Module({
  imports: [DirectoryModule, ModelsModule],
  controllers: [LeaderboardController, StatsController, UsageController, RanksController],
  providers: [UsageRepository, UsageService, StatsRepository, StatsService, ActivityRepository, ActivityService],
  exports: [UsageService, ActivityService],
})
export class UsageModule {}
