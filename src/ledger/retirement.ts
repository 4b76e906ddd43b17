import { type AnyColumn, sql, type SQL } from 'drizzle-orm';
import { aliased, type TokenKinds } from '../db/columns.js';
import { type Database, rowsOf, transaction } from '../db/database-connection.js';
import {
  activityDays,
  deviceDayModels,
  deviceDays,
  modelUsage,
  projectDays,
  projects,
  retiredMonths,
  telemetryDayModels,
  usageStats,
  users,
} from '../db/schema.js';

/** How many rows one retired month had in each table, as deleted. */
export interface RetiredCounts {
  users: number;
  usageDays: number;
  modelRows: number;
  deviceDays: number;
  deviceModelRows: number;
  /** Telemetry's rows of the month (telemetry_day_models, activity_days); activity_months keeps the month's activity. */
  telemetryRows: number;
  activityRows: number;
  /** project_days rows of the month (docs/projects.md): no monthly sums keep them. */
  projectRows: number;
}

const monthEnd = (month: string) => sql`(${month}::date + interval '1 month')::date`;

/**
 * `json_build_object('key', value, …)` in the order given. The keys are the archive's line format
 * (whoever reads an archive depends on it), not the schema's: they stay as they are when columns move.
 */
const jsonObject = (fields: Record<string, AnyColumn | SQL>): SQL =>
  sql`json_build_object(${sql.join(
    Object.entries(fields).map(([key, value]) => sql`${sql.raw(`'${key}'`)}, ${value}`),
    sql`, `,
  )})`;

/** A day's models, nested in its line: `m` is model_usage or device_day_models (aliased in `from`). */
const modelsOf = (m: TokenKinds & Record<'model' | 'provider' | 'cost', AnyColumn>, from: SQL, where: SQL) => sql`
  (SELECT coalesce(json_agg(${jsonObject({
    model: m.model,
    provider: m.provider,
    inputTokens: m.inputTokens,
    outputTokens: m.outputTokens,
    cacheCreationInputTokens: m.cacheCreationInputTokens,
    cacheReadInputTokens: m.cacheReadInputTokens,
    cost: sql`${m.cost}::text`,
  })} ORDER BY ${m.model}), '[]'::json)
     FROM ${from} WHERE ${where})`;

/** A day row's numbers in a line, in the archive's key order (usage_stats and device_days name them alike). */
const dayFields = (t: TokenKinds & { totalTokens: AnyColumn; totalCost: AnyColumn }) => ({
  totalTokens: t.totalTokens,
  inputTokens: t.inputTokens,
  outputTokens: t.outputTokens,
  cacheCreationInputTokens: t.cacheCreationInputTokens,
  cacheReadInputTokens: t.cacheReadInputTokens,
  totalCost: sql`${t.totalCost}::text`,
});

/** One usage_stats row with its model_usage rows nested: a line of the archive. */
const usageLines = (month: string) => {
  const s = aliased(usageStats, 's');
  const m = aliased(modelUsage, 'm');
  const u = aliased(users, 'u');
  const line = jsonObject({
    kind: sql`'usage'`,
    userId: s.t.userId,
    username: u.t.username,
    date: sql`${s.t.date}::text`,
    ...dayFields(s.t),
    models: modelsOf(m.t, m.from, sql`${m.t.usageStatsId} = ${s.t.id}`),
  });
  return sql`
  SELECT ${line}::text AS line
    FROM ${s.from} JOIN ${u.from} ON ${u.t.id} = ${s.t.userId}
   WHERE ${s.t.date} >= ${month}::date AND ${s.t.date} < ${monthEnd(month)}
   ORDER BY ${s.t.date}, ${s.t.userId}`;
};

/** One device_days slice with its device_day_models rows nested. */
const deviceLines = (month: string) => {
  const d = aliased(deviceDays, 'd');
  const m = aliased(deviceDayModels, 'm');
  const u = aliased(users, 'u');
  const line = jsonObject({
    kind: sql`'device'`,
    userId: d.t.userId,
    username: u.t.username,
    device: d.t.device,
    date: sql`${d.t.date}::text`,
    ...dayFields(d.t),
    contentHash: d.t.contentHash,
    models: modelsOf(m.t, m.from, sql`${m.t.deviceDayId} = ${d.t.id}`),
  });
  return sql`
  SELECT ${line}::text AS line
    FROM ${d.from} JOIN ${u.from} ON ${u.t.id} = ${d.t.userId}
   WHERE ${d.t.date} >= ${month}::date AND ${d.t.date} < ${monthEnd(month)}
   ORDER BY ${d.t.date}, ${d.t.userId}, ${d.t.device}`;
};

/** One telemetry_day_models row: what Claude Code's telemetry reported for a device, day and model. */
const telemetryLines = (month: string) => {
  const t = aliased(telemetryDayModels, 't');
  const u = aliased(users, 'u');
  const line = jsonObject({
    kind: sql`'telemetry'`,
    userId: t.t.userId,
    username: u.t.username,
    device: t.t.device,
    date: sql`${t.t.date}::text`,
    model: t.t.model,
    provider: t.t.provider,
    inputTokens: t.t.inputTokens,
    outputTokens: t.t.outputTokens,
    cacheCreationInputTokens: t.t.cacheCreationInputTokens,
    cacheReadInputTokens: t.t.cacheReadInputTokens,
    cost: sql`${t.t.cost}::text`,
  });
  return sql`
  SELECT ${line}::text AS line
    FROM ${t.from} JOIN ${u.from} ON ${u.t.id} = ${t.t.userId}
   WHERE ${t.t.date} >= ${month}::date AND ${t.t.date} < ${monthEnd(month)}
   ORDER BY ${t.t.date}, ${t.t.userId}, ${t.t.device}, ${t.t.model}`;
};

/** One activity_days row: sessions, lines, commits, … of a user's day. */
const activityLines = (month: string) => {
  const a = aliased(activityDays, 'a');
  const u = aliased(users, 'u');
  const line = jsonObject({
    kind: sql`'activity'`,
    userId: a.t.userId,
    username: u.t.username,
    date: sql`${a.t.date}::text`,
    metric: a.t.metric,
    key: a.t.key,
    value: sql`${a.t.value}::text`,
  });
  return sql`
  SELECT ${line}::text AS line
    FROM ${a.from} JOIN ${u.from} ON ${u.t.id} = ${a.t.userId}
   WHERE ${a.t.date} >= ${month}::date AND ${a.t.date} < ${monthEnd(month)}
   ORDER BY ${a.t.date}, ${a.t.userId}, ${a.t.metric}, ${a.t.key}`;
};

/**
 * One project_days row: a device's day in one project and model. The archive holds the project's
 * name (a path on the owner's machine), as it holds everything else the rows held; archives are
 * the admin's private files.
 */
const projectLines = (month: string) => {
  const d = aliased(projectDays, 'd');
  const p = aliased(projects, 'p');
  const u = aliased(users, 'u');
  const line = jsonObject({
    kind: sql`'project'`,
    userId: d.t.userId,
    username: u.t.username,
    device: d.t.device,
    date: sql`${d.t.date}::text`,
    projectId: d.t.projectId,
    project: p.t.name,
    model: d.t.model,
    inputTokens: d.t.inputTokens,
    outputTokens: d.t.outputTokens,
    cacheCreationInputTokens: d.t.cacheCreationInputTokens,
    cacheReadInputTokens: d.t.cacheReadInputTokens,
    cost: sql`${d.t.cost}::text`,
  });
  return sql`
  SELECT ${line}::text AS line
    FROM ${d.from} JOIN ${u.from} ON ${u.t.id} = ${d.t.userId} JOIN ${p.from} ON ${p.t.id} = ${d.t.projectId}
   WHERE ${d.t.date} >= ${month}::date AND ${d.t.date} < ${monthEnd(month)}
   ORDER BY ${d.t.date}, ${d.t.userId}, ${d.t.device}, ${d.t.projectId}, ${d.t.model}`;
};

const count = async (db: Database, query: SQL) => Number(rowsOf<{ n: string | number }>(await db.execute(query))[0].n);

/** `WITH d AS (<delete> RETURNING 1) SELECT count(*)`: how many rows a deletion took. */
const deleted = (db: Database, deletion: SQL) => count(db, sql`WITH d AS (${deletion} RETURNING 1) SELECT count(*) AS n FROM d`);

/**
 * Retires one month in one transaction. Uploads are held off first (SHARE on device_days
 * conflicts with the ROW EXCLUSIVE every upload takes before it checks retired_months), so the
 * archive written by `write` holds exactly the rows deleted after it. `write` gets the archive's
 * lines and must have the file in place when it returns; the deletion commits only then.
 * Returns undefined when the month was already retired (by another replica).
 */
export async function retireMonth(
  db: Database,
  month: string,
  archive: string,
  write: (lines: Iterable<string>) => Promise<void>,
): Promise<RetiredCounts | undefined> {
  return transaction(db, async (tx) => {
    await tx.execute(sql`LOCK TABLE ${deviceDays} IN SHARE MODE`);
    if (await count(tx, sql`SELECT count(*) AS n FROM ${retiredMonths} WHERE ${retiredMonths.month} = ${month}::date`)) return undefined;

    const usage = rowsOf<{ line: string }>(await tx.execute(usageLines(month))).map((r) => r.line);
    const devices = rowsOf<{ line: string }>(await tx.execute(deviceLines(month))).map((r) => r.line);
    const telemetry = rowsOf<{ line: string }>(await tx.execute(telemetryLines(month))).map((r) => r.line);
    const activity = rowsOf<{ line: string }>(await tx.execute(activityLines(month))).map((r) => r.line);
    const projectRows = rowsOf<{ line: string }>(await tx.execute(projectLines(month))).map((r) => r.line);
    await write(
      (function* () {
        yield* usage;
        yield* devices;
        yield* telemetry;
        yield* activity;
        yield* projectRows;
      })(),
    );

    const end = monthEnd(month);
    const inMonth = (date: AnyColumn) => sql`${date} >= ${month}::date AND ${date} < ${end}`;
    const [s, d] = [usageStats, deviceDays];
    const users = await count(tx, sql`SELECT count(DISTINCT ${s.userId}) AS n FROM ${s} WHERE ${inMonth(s.date)}`);
    const modelRows = await deleted(tx, sql`DELETE FROM ${modelUsage} WHERE ${modelUsage.usageStatsId} IN (SELECT ${s.id} FROM ${s} WHERE ${inMonth(s.date)})`);
    const usageDays = await deleted(tx, sql`DELETE FROM ${s} WHERE ${inMonth(s.date)}`);
    const deviceModelRows = await deleted(
      tx,
      sql`DELETE FROM ${deviceDayModels} WHERE ${deviceDayModels.deviceDayId} IN (SELECT ${d.id} FROM ${d} WHERE ${inMonth(d.date)})`,
    );
    const deviceDayRows = await deleted(tx, sql`DELETE FROM ${d} WHERE ${inMonth(d.date)}`);
    const telemetryRows = await deleted(tx, sql`DELETE FROM ${telemetryDayModels} WHERE ${inMonth(telemetryDayModels.date)}`);
    const activityRows = await deleted(tx, sql`DELETE FROM ${activityDays} WHERE ${inMonth(activityDays.date)}`);
    const projectRowsGone = await deleted(tx, sql`DELETE FROM ${projectDays} WHERE ${inMonth(projectDays.date)}`);
    const archived = [usage.length, devices.length, telemetry.length, activity.length, projectRows.length];
    const gone = [usageDays, deviceDayRows, telemetryRows, activityRows, projectRowsGone];
    if (archived.some((n, i) => n !== gone[i])) {
      throw new Error(`retention of ${month}: archived ${archived.join('/')} rows but deleted ${gone.join('/')}`);
    }
    await tx.insert(retiredMonths).values({ month, users, days: usageDays, archive });
    return { users, usageDays, modelRows, deviceDays: deviceDayRows, deviceModelRows, telemetryRows, activityRows, projectRows: projectRowsGone };
  });
}
