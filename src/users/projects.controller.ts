import { Body, Controller, Get, Header, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { API_PREFIX, ApiProblems } from '../common/api.js';
import { UsernameParamSchema } from '../directory/username.js';
import {
  type Project,
  type ProjectList,
  type ProjectListQuery,
  ProjectListQuerySchema,
  type ProjectParam,
  ProjectParamSchema,
  ProjectSchema,
  type ProjectSeries,
  type ProjectSeriesQuery,
  ProjectSeriesQuerySchema,
  ProjectSeriesSchema,
  ProjectListSchema,
  type UpdateProject,
  UpdateProjectSchema,
} from '../usage/projects.schemas.js';
import { ProjectsService } from '../usage/projects.service.js';

/** What every answer about projects says to caches: project names are paths on the owner's machine. */
const NO_STORE = 'private, no-store';

/**
 * A user's projects (docs/projects.md), under /users like every route about one user, in a
 * controller of their own. Owner or admin only, as a user's sources: anyone else gets 401 or 403
 * before the name is looked up, whether the user exists or not.
 */
@ApiBearerAuth()
@ApiTags('projects')
@Controller(`${API_PREFIX}/users`)
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Get(':username/projects')
  @Header('Cache-Control', NO_STORE)
  @ApiOperation({
    summary: "A user's usage per project, from `ccusage daily --instances` uploads (owner or admin)",
    description:
      'Per project with data in the range: its totals, active days, first and last day and models. Default range: all the days with project ' +
      'data; at most 3,660 days. Hidden projects are left out unless includeHidden=true. Days uploaded without --instances have no projects, so ' +
      "the projects of a range can add up to less than the user's usage. path is a directory on the owner's machine: the answer is for the owner " +
      'and the admin only (the caller is checked before the name is looked up) and is not stored by caches.',
  })
  @ApiOkResponse({ standardSchema: ProjectListSchema })
  @ApiProblems(400, 401, 403, 404)
  list(
    @Caller() caller: Principal,
    @Param({ schema: UsernameParamSchema }) params: { username: string },
    @Query({ schema: ProjectListQuerySchema }) query: ProjectListQuery,
  ): Promise<ProjectList> {
    return this.projects.list(caller, params.username, query);
  }

  @Get(':username/projects/:id/series')
  @Header('Cache-Control', NO_STORE)
  @ApiOperation({
    summary: "One project's usage per day, ISO week (labelled by its Monday) or month (labelled YYYY-MM-01), with models (owner or admin)",
    description: "Default range: the project's first to last day; at most 3,660 days. Buckets with data only, oldest first.",
  })
  @ApiOkResponse({ standardSchema: ProjectSeriesSchema })
  @ApiProblems(400, 401, 403, 404)
  series(
    @Caller() caller: Principal,
    @Param({ schema: ProjectParamSchema }) params: ProjectParam,
    @Query({ schema: ProjectSeriesQuerySchema }) query: ProjectSeriesQuery,
  ): Promise<ProjectSeries> {
    return this.projects.series(caller, params.username, params.id, query);
  }

  @Patch(':username/projects/:id')
  @Header('Cache-Control', NO_STORE)
  @ApiOperation({
    summary: 'Rename (alias) or hide a project (owner or admin)',
    description: 'alias: 1–100 printable characters shown instead of the path, null to remove it; hidden: left out of the list unless asked for.',
  })
  @ApiOkResponse({ standardSchema: ProjectSchema })
  @ApiProblems(400, 401, 403, 404, 413)
  update(
    @Caller() caller: Principal,
    @Param({ schema: ProjectParamSchema }) params: ProjectParam,
    @Body({ schema: UpdateProjectSchema }) body: UpdateProject,
  ): Promise<Project> {
    return this.projects.update(caller, params.username, params.id, body);
  }
}
