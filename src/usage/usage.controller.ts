import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { UsernameParamSchema } from '../users/users.schemas.js';
import { UsageRangeQuerySchema, UserUsageSchema, type UsageRangeQuery, type UserUsage } from './usage.schemas.js';
import { UsageService } from './usage.service.js';

@ApiTags('usage')
@ApiBearerAuth()
@Controller(API_PREFIX)
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get('users/:username/usage')
  @ApiOperation({
    summary: "A user's usage per day, with each day's models",
    description: 'Field names follow ccusage, so the numbers compare directly with `ccusage daily --json`. Costs are decimal strings with 4 places.',
  })
  @ApiOkResponse({ standardSchema: UserUsageSchema })
  @ApiProblems(400, 401, 404)
  userDays(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Query({ schema: UsageRangeQuerySchema }) query: UsageRangeQuery,
  ): Promise<UserUsage> {
    return this.usage.userDays(caller, params.username, query);
  }
}
