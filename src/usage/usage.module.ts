import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/user-directory.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { ModelsModule } from '../models/models.module.js';
import { ActivityRepository } from './activity.repository.js';
import { ActivityService } from './activity.service.js';
import { LeaderboardController } from './leaderboard.controller.js';
import { ProjectsRepository } from './projects.repository.js';
import { ProjectsService } from './projects.service.js';
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
 * one user's usage, profile and activity (served under /users by the users controller), and a user's
 * projects (served by users/projects.controller.ts). Nothing here writes but through the ledger (a
 * project's alias and hidden flag).
 */
@Module({
  imports: [DirectoryModule, ModelsModule, LedgerModule],
  controllers: [LeaderboardController, StatsController, UsageController, RanksController],
  providers: [UsageRepository, UsageService, StatsRepository, StatsService, ActivityRepository, ActivityService, ProjectsRepository, ProjectsService],
  exports: [UsageService, ActivityService, ProjectsService, StatsService],
})
export class UsageModule {}
