import { and, eq, sql } from 'drizzle-orm';
import { DomainError, ErrorCode } from '../common/errors.js';
import { names } from '../db/columns.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import { projectDays, projects } from '../db/schema.js';
import { anyOf } from '../db/sql.js';
import type { DaySlice } from './day-slice.js';
import { jsonRows } from './slices.js';
import { chunksOf, ROWS_PER_CHUNK, step } from './summaries.js';

/**
 * The project dimension of the device ledger (docs/projects.md): project_days holds, per user,
 * day, device, project and model, what `--instances` uploads reported. It follows the device's
 * slices: whenever an upload rewrites a device-day (ledger/slices.ts), that device-day's project
 * rows are replaced by the upload's, or deleted when the report had no projects. A device-day
 * whose slice is unchanged keeps its rows, which is right because the projects are part of the
 * slice's hash. Telemetry writes no project rows. Everything runs inside the upload's
 * transaction, under the user's row lock.
 */

/**
 * Projects one user may have. Real people work in tens or hundreds of directories; past this an
 * upload that brings new ones is refused (422), nothing stored.
 */
export const MAX_PROJECTS_PER_USER = 2_000;

/** Project rows a day adds to a chunk of the upload's write (for chunksOf). */
export const projectRowsOf = (day: DaySlice): number => (day.projects ?? []).reduce((n, p) => n + p.models.length, 0);

const PROJECT_ROWS = jsonRows(projectDays, {
  date: 'date',
  projectId: 'int',
  model: 'text',
  inputTokens: 'bigint',
  outputTokens: 'bigint',
  cacheCreationInputTokens: 'bigint',
  cacheReadInputTokens: 'bigint',
  cost: 'numeric',
});

/**
 * Replaces the device's project rows on these days with the days' projects (none for days
 * without). `fresh`: the user has no rows on these days yet, so there is nothing to delete.
 */
export async function writeProjectDays(tx: Database, userId: number, device: string, days: DaySlice[], fresh: boolean): Promise<void> {
  const pd = projectDays;
  if (!fresh) {
    await step(
      tx,
      sql`DELETE FROM ${pd} WHERE ${pd.userId} = ${userId} AND ${pd.date} = ${anyOf(
        days.map((d) => d.date),
        'date',
      )} AND ${pd.device} = ${device}`,
    );
  }
  const keys = [...new Set(days.flatMap((d) => (d.projects ?? []).map((p) => p.project)))];
  if (keys.length === 0) return;

  // The projects' ids, created where new. The names travel as one JSON parameter: never in the
  // statement's text, which query timing keeps.
  const p = projects;
  const ids = new Map(
    rowsOf<{ id: number; name: string }>(
      await step(
        tx,
        sql`
        WITH names AS (SELECT DISTINCT value AS name FROM jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb)),
             created AS (INSERT INTO ${p} (${names(p.userId, p.name)})
                         SELECT ${userId}, name FROM names
                         ON CONFLICT (${names(p.userId, p.name)}) DO NOTHING
                         RETURNING ${p.id} AS id, ${p.name} AS name)
        SELECT id, name FROM created
        UNION ALL
        SELECT ${p.id}, ${p.name} FROM ${p} WHERE ${p.userId} = ${userId} AND ${p.name} IN (SELECT name FROM names)`,
      ),
    ).map((r) => [r.name, Number(r.id)]),
  );
  const rows = days.flatMap((d) =>
    (d.projects ?? []).flatMap((project) =>
      project.models.map((m) => ({
        date: d.date,
        projectId: ids.get(project.project),
        model: m.model,
        inputTokens: m.inputTokens,
        outputTokens: m.outputTokens,
        cacheCreationInputTokens: m.cacheCreationTokens,
        cacheReadInputTokens: m.cacheReadTokens,
        cost: m.cost,
      })),
    ),
  );
  // One day of a thousand projects can hold a hundred thousand rows: a statement per few hundred,
  // so the embedded database never runs one for long on the event loop.
  for (const part of chunksOf(rows, () => 1, ROWS_PER_CHUNK)) {
    await step(
      tx,
      sql`
      INSERT INTO ${pd} (${names(pd.userId, pd.device)}, ${PROJECT_ROWS.columns})
      SELECT ${userId}, ${device}, ${PROJECT_ROWS.values} FROM ${PROJECT_ROWS.from(part)}`,
    );
  }
}

/**
 * After an upload that brought projects: the user may have at most MAX_PROJECTS_PER_USER. Past
 * it, projects left without rows and without an alias or hidden flag are forgotten first (their
 * ids would be of no use); if that is not enough the upload is refused, and its transaction with
 * everything it wrote is rolled back. Projects are kept otherwise, so their ids stay stable while
 * a device's days come and go.
 */
export async function enforceProjectCap(tx: Database, userId: number): Promise<void> {
  const p = projects;
  const count = async () => Number(rowsOf<{ n: string | number }>(await step(tx, sql`SELECT count(*) AS n FROM ${p} WHERE ${p.userId} = ${userId}`))[0].n);
  if ((await count()) <= MAX_PROJECTS_PER_USER) return;
  await step(
    tx,
    sql`
    DELETE FROM ${p} WHERE ${p.userId} = ${userId} AND ${p.alias} IS NULL AND NOT ${p.hidden}
       AND NOT EXISTS (SELECT 1 FROM ${projectDays} WHERE ${projectDays.projectId} = ${p.id})`,
  );
  const n = await count();
  if (n > MAX_PROJECTS_PER_USER) {
    throw new DomainError(
      ErrorCode.UnprocessableReport,
      `This upload would give the user ${n} projects; the server keeps at most ${MAX_PROJECTS_PER_USER} per user. Nothing was stored.`,
      undefined,
      { maxProjects: MAX_PROJECTS_PER_USER },
    );
  }
}

/** What an owner may change about a project. */
export interface ProjectSettings {
  alias?: string | null;
  hidden?: boolean;
}

/** Sets a project's alias and hidden flag; false when the user has no project with this id. */
export async function updateProject(db: Database, userId: number, projectId: number, settings: ProjectSettings): Promise<boolean> {
  const set: ProjectSettings = {};
  if (settings.alias !== undefined) set.alias = settings.alias;
  if (settings.hidden !== undefined) set.hidden = settings.hidden;
  const where = and(eq(projects.id, projectId), eq(projects.userId, userId));
  const changed =
    Object.keys(set).length > 0
      ? await db.update(projects).set(set).where(where).returning({ id: projects.id })
      : await db.select({ id: projects.id }).from(projects).where(where);
  return changed.length > 0;
}
