import { Global, Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/user-directory.js';
import { UsageModule } from '../usage/usage.module.js';
import { ACCOUNT_HOOKS } from '../users/account-hooks.js';
import { TeamReadsService } from './team-reads.service.js';
import { TeamStatsRepository } from './team-stats.repository.js';
import { InvitesController, TeamsController } from './teams.controller.js';
import { TeamsRepository } from './teams.repository.js';
import { TeamsService } from './teams.service.js';

/**
 * Teams, roles and invites under /teams and /invites (docs/teams.md). Global only to hand
 * ACCOUNT_HOOKS to the users module below it: registration by invite and a user's removal reach
 * into teams inside their own transactions without users importing teams.
 */
@Global()
@Module({
  imports: [DirectoryModule, UsageModule],
  controllers: [TeamsController, InvitesController],
  providers: [TeamsRepository, TeamsService, TeamStatsRepository, TeamReadsService, { provide: ACCOUNT_HOOKS, useExisting: TeamsService }],
  exports: [ACCOUNT_HOOKS],
})
export class TeamsModule {}
