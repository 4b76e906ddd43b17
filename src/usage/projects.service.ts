import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import type { projectDays } from '../db/schema.js';
import { UserDirectory } from '../directory/user-directory.js';
import { UsageLedger } from '../ledger/usage-ledger.js';
import type { Keyed, TextRowOf } from '../read-model/rows.js';
import { addTotals, tokensOf } from '../read-model/token-sums.js';
import { type ProjectRow, ProjectsRepository } from './projects.repository.js';
import type { Project, ProjectList, ProjectListQuery, ProjectSeries, ProjectSeriesQuery, UpdateProject } from './projects.schemas.js';

type Sums = Keyed<TextRowOf<typeof projectDays, 'inputTokens' | 'outputTokens' | 'cacheCreationInputTokens' | 'cacheReadInputTokens' | 'cost'>>;

/** A model's sums as the API gives them; '' (tokens without a model) is null. */
const modelOf = (r: Sums & { model: string }) => ({ model: r.model === '' ? null : r.model, ...tokensOf(r), cost: r.cost });

/** Sums as totals: a project's total is its four kinds' sum, as ccusage's breakdowns have it. */
const totalsOf = (r: Sums) => ({ ...tokensOf(r), totalCost: r.cost });

const identity = (p: ProjectRow): Project => ({ id: p.id, name: p.alias ?? p.name, path: p.name, alias: p.alias, hidden: p.hidden });

/**
 * A user's projects (GET/PATCH /users/:username/projects…, docs/projects.md): for the user and the
 * admin only, with the same rule as a user's sources and uploads, checked before the name is
 * looked up, so another caller learns nothing, not even whether the user exists. Project names
 * are paths on the owner's machine: they leave only in these answers.
 */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly repository: ProjectsRepository,
    private readonly ledger: UsageLedger,
    private readonly users: UserDirectory,
    private readonly auth: AuthService,
  ) {}

  private async owner(caller: Principal, username: string) {
    this.auth.requireSelfOrAdmin(caller, username);
    return this.users.get(username);
  }

  private async projectOf(userId: number, projectId: number): Promise<ProjectRow> {
    const project = await this.repository.project(userId, projectId);
    if (!project) throw new DomainError(ErrorCode.NotFound, `This user has no project ${projectId}.`);
    return project;
  }

  async list(caller: Principal, username: string, query: ProjectListQuery): Promise<ProjectList> {
    const user = await this.owner(caller, username);
    const data = await this.repository.dataRange(user.id);
    const from = query.from ?? data.first;
    const to = query.to ?? data.last;
    const base = { username: user.username, from, to, includeHidden: query.includeHidden };
    if (!from || !to || from > to) return { ...base, retiredMonths: [], projects: [] };
    const range = { from, to };
    const [retired, totals, models] = await Promise.all([
      this.repository.retiredMonths(range),
      this.repository.totals(user.id, range, query.includeHidden),
      this.repository.models(user.id, range),
    ]);
    const modelsOf = new Map<number, ReturnType<typeof modelOf>[]>();
    for (const m of models) {
      const list = modelsOf.get(m.projectId) ?? [];
      list.push(modelOf(m));
      modelsOf.set(m.projectId, list);
    }
    return {
      ...base,
      retiredMonths: retired,
      projects: totals.map((t) => ({
        ...identity(t),
        firstDate: t.firstDate,
        lastDate: t.lastDate,
        activeDays: Number(t.activeDays),
        totals: totalsOf(t),
        models: modelsOf.get(t.id) ?? [],
      })),
    };
  }

  async series(caller: Principal, username: string, projectId: number, query: ProjectSeriesQuery): Promise<ProjectSeries> {
    const user = await this.owner(caller, username);
    const project = await this.projectOf(user.id, projectId);
    const data = await this.repository.dataRange(user.id, project.id);
    const from = query.from ?? data.first;
    const to = query.to ?? data.last;
    const base = { username: user.username, project: identity(project), from, to, granularity: query.granularity };
    if (!from || !to || from > to) return { ...base, retiredMonths: [], rows: [], totals: addTotals([]) };
    const range = { from, to };
    const [retired, buckets, models] = await Promise.all([
      this.repository.retiredMonths(range),
      this.repository.buckets(project.id, range, query.granularity),
      this.repository.bucketModels(project.id, range, query.granularity),
    ]);
    const modelsOf = new Map<string, ReturnType<typeof modelOf>[]>();
    for (const m of models) {
      const list = modelsOf.get(m.bucket) ?? [];
      list.push(modelOf(m));
      modelsOf.set(m.bucket, list);
    }
    const rows = buckets.map((b) => ({
      date: b.bucket,
      activeDays: Number(b.activeDays),
      ...totalsOf(b),
      models: modelsOf.get(b.bucket) ?? [],
    }));
    return { ...base, retiredMonths: retired, rows, totals: addTotals(rows) };
  }

  async update(caller: Principal, username: string, projectId: number, body: UpdateProject): Promise<Project> {
    const user = await this.owner(caller, username);
    if (!(await this.ledger.updateProject(user.id, projectId, body))) throw new DomainError(ErrorCode.NotFound, `This user has no project ${projectId}.`);
    return identity(await this.projectOf(user.id, projectId));
  }
}
