import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/user-directory.js';
import { IngestionModule } from '../ingestion/ingestion.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { UsageModule } from '../usage/usage.module.js';
import { BadgeController } from './badge.controller.js';
import { BadgeService } from './badge.service.js';
import { ProjectsController } from './projects.controller.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/** Accounts and tokens, and every route under /users (a user's profile, usage and uploads come from Usage and Ingestion; the badge draws on Usage). */
@Module({
  imports: [DirectoryModule, LedgerModule, UsageModule, IngestionModule],
  controllers: [UsersController, BadgeController, ProjectsController],
  providers: [UsersRepository, UsersService, BadgeService],
})
export class UsersModule {}
