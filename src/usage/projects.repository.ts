import { Injectable } from '@nestjs/common';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { aliased, as, intText, list, money, tokenKinds, tokenTotal } from '../db/columns.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { projectDays, projects } from '../db/schema.js';
import { bucketOf, type DayRange, type Granularity } from '../read-model/periods.js';
import { retiredMonthsIn } from '../read-model/retired-months.js';
import { type Keyed, keyedRows, type RowOf, type TextRowOf } from '../read-model/rows.js';

/** A project as its owner set it up. */
export type ProjectRow = Pick<typeof projects.$inferSelect, 'id' | 'name' | 'alias' | 'hidden'>;

/** The four kinds and the cost of project rows, summed, as text. */
type ProjectSums = TextRowOf<typeof projectDays, 'inputTokens' | 'outputTokens' | 'cacheCreationInputTokens' | 'cacheReadInputTokens' | 'cost'>;

export type ProjectTotalsRow = Keyed<
  RowOf<typeof projects, 'id' | 'name' | 'alias' | 'hidden'> & ProjectSums & { first_date: string; last_date: string; active_days: string }
>;
export type ProjectModelRow = Keyed<RowOf<typeof projectDays, 'projectId' | 'model'> & ProjectSums>;
export type ProjectBucketRow = Keyed<ProjectSums & { bucket: string; active_days: string }>;
export type ProjectBucketModelRow = Keyed<RowOf<typeof projectDays, 'model'> & ProjectSums & { bucket: string }>;

const d = aliased(projectDays, 'd');
const p = aliased(projects, 'p');

/** `sum(kind)::text AS kind, …, money(sum(cost)) AS cost` over project_days as `d`. */
const SUMS: SQL = list(...tokenKinds(d.t).map((c) => as(intText(sql`sum(${c})`), c)), as(money(sql`sum(${d.t.cost})`), d.t.cost));

/** Most cost first, then most tokens: how projects and models are ordered. */
const BY_WEIGHT: SQL = sql`sum(${d.t.cost}) DESC, sum(${tokenTotal(d.t)}) DESC`;

/** The user's project rows in a range (the primary key's leading columns). */
const inRange = (userId: number, range: DayRange): SQL => sql`${d.t.userId} = ${userId} AND ${d.t.date} BETWEEN ${range.from}::date AND ${range.to}::date`;

/**
 * Reads of project_days and projects (docs/projects.md). Every query is bounded by the user (and
 * the range) through project_days' primary key, or by one project through its project index.
 */
@Injectable()
export class ProjectsRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /** The first and last day with project rows for the user, or for one of their projects. */
  async dataRange(userId: number, projectId?: number): Promise<{ first: string | null; last: string | null }> {
    const where = projectId === undefined ? sql`${d.t.userId} = ${userId}` : sql`${d.t.projectId} = ${projectId}`;
    const [row] = rowsOf<{ first: string | null; last: string | null }>(
      await this.db.execute(sql`SELECT min(${d.t.date})::text AS first, max(${d.t.date})::text AS last FROM ${d.from} WHERE ${where}`),
    );
    return { first: row?.first ?? null, last: row?.last ?? null };
  }

  retiredMonths(range: DayRange): Promise<string[]> {
    return retiredMonthsIn(this.db, range);
  }

  /** One of the user's projects, or undefined. */
  async project(userId: number, projectId: number): Promise<ProjectRow | undefined> {
    const [row] = await this.db
      .select({ id: projects.id, name: projects.name, alias: projects.alias, hidden: projects.hidden })
      .from(projects)
      .where(and(eq(projects.id, projectId), eq(projects.userId, userId)));
    return row;
  }

  /** Each project with rows in the range: its totals, days and first and last day. */
  async totals(userId: number, range: DayRange, includeHidden: boolean): Promise<ProjectTotalsRow[]> {
    return keyedRows<ProjectTotalsRow>(
      await this.db.execute(sql`
        SELECT ${list(p.t.id, p.t.name, p.t.alias, p.t.hidden)},
               min(${d.t.date})::text AS first_date, max(${d.t.date})::text AS last_date, count(DISTINCT ${d.t.date})::text AS active_days,
               ${SUMS}
          FROM ${d.from} JOIN ${p.from} ON ${p.t.id} = ${d.t.projectId}
         WHERE ${inRange(userId, range)} ${includeHidden ? sql`` : sql`AND NOT ${p.t.hidden}`}
         GROUP BY ${p.t.id}
         ORDER BY ${BY_WEIGHT}, ${p.t.name}`),
    );
  }

  /** Each project's models over the range, in weight order within a project. */
  async models(userId: number, range: DayRange): Promise<ProjectModelRow[]> {
    return keyedRows<ProjectModelRow>(
      await this.db.execute(sql`
        SELECT ${d.t.projectId}, ${d.t.model}, ${SUMS}
          FROM ${d.from}
         WHERE ${inRange(userId, range)}
         GROUP BY ${d.t.projectId}, ${d.t.model}
         ORDER BY ${d.t.projectId}, ${BY_WEIGHT}, ${d.t.model}`),
    );
  }

  /** One project's buckets in a range (the project index). */
  async buckets(projectId: number, range: DayRange, granularity: Granularity): Promise<ProjectBucketRow[]> {
    return keyedRows<ProjectBucketRow>(
      await this.db.execute(sql`
        SELECT ${bucketOf(granularity, d.t.date)}::text AS bucket, count(DISTINCT ${d.t.date})::text AS active_days, ${SUMS}
          FROM ${d.from}
         WHERE ${d.t.projectId} = ${projectId} AND ${d.t.date} BETWEEN ${range.from}::date AND ${range.to}::date
         GROUP BY 1
         ORDER BY 1`),
    );
  }

  /** The same buckets per model. */
  async bucketModels(projectId: number, range: DayRange, granularity: Granularity): Promise<ProjectBucketModelRow[]> {
    return keyedRows<ProjectBucketModelRow>(
      await this.db.execute(sql`
        SELECT ${bucketOf(granularity, d.t.date)}::text AS bucket, ${d.t.model}, ${SUMS}
          FROM ${d.from}
         WHERE ${d.t.projectId} = ${projectId} AND ${d.t.date} BETWEEN ${range.from}::date AND ${range.to}::date
         GROUP BY 1, ${d.t.model}
         ORDER BY 1, ${BY_WEIGHT}, ${d.t.model}`),
    );
  }
}
