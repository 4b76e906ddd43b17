import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { HttpCached } from '../common/http-views.js';
import { UsernameParamSchema } from '../directory/username.js';
import { type BadgeQuery, BadgeQuerySchema } from './badge.schemas.js';
import { BadgeService } from './badge.service.js';
import { BADGE_CONTENT_TYPE } from './badge.svg.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller(`${API_PREFIX}/users`)
export class BadgeController {
  constructor(private readonly badges: BadgeService) {}

  @Get(':username/badge.svg')
  // Errors replace this with the problem type (the filter sets its own Content-Type).
  @Header('Content-Type', BADGE_CONTENT_TYPE)
  @ApiOperation({
    summary: "A shields-style SVG badge of a user's tokens or cost over a period, for a README",
    description:
      'The value is the sum of GET /users/{username}/usage over the period (tokens as 12.3M, cost as $54.88 or $12.3k). ' +
      'Embed it in Markdown:\n\n' +
      '```markdown\n![Claude Code usage](https://stats.example.com/api/v1/users/alice/badge.svg?metric=tokens&period=30d)\n```\n\n' +
      'Cached briefly (ETag, Cache-Control); with READ_ACCESS=token it needs a token like every read, so it cannot be embedded publicly.',
  })
  @ApiProduces('image/svg+xml')
  @ApiOkResponse({ description: 'The badge (SVG, no scripts or external references).', content: { 'image/svg+xml': { schema: { type: 'string' } } } })
  @ApiProblems(400, 401, 404)
  @HttpCached()
  badge(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Query({ schema: BadgeQuerySchema }) query: BadgeQuery,
  ): Promise<string> {
    return this.badges.render(caller, params.username, query);
  }
}
