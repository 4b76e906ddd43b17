import { z } from 'zod';
import { calendarDay, checkRange } from '../common/dates.js';
import { booleanParam, tokenFields, TotalsSchema } from '../common/schema-parts.js';
import { printableName } from '../common/text.js';
import { MAX_PROJECT_ALIAS } from '../db/schema/projects.js';
import { usernameSchema } from '../directory/username.js';
import { GRANULARITIES } from '../read-model/periods.js';

/**
 * A user's projects (docs/projects.md): what `ccusage daily --instances` uploads reported per
 * project, for the owner and the admin only. A project's `path` is a directory on the owner's
 * machine; nothing here is ever shown to anyone else.
 */

const rangeFields = {
  from: calendarDay.optional().meta({ description: 'First day (UTC), included; default: the first day with project data' }),
  to: calendarDay.optional().meta({ description: 'Last day (UTC), included; default: the last day with project data' }),
};

export const ProjectListQuerySchema = z
  .object({
    ...rangeFields,
    includeHidden: booleanParam('false').meta({ description: 'true lists hidden projects too (each says hidden: true)' }),
  })
  .superRefine(checkRange);
export type ProjectListQuery = z.infer<typeof ProjectListQuerySchema>;

export const ProjectSeriesQuerySchema = z
  .object({
    ...rangeFields,
    granularity: z.enum(GRANULARITIES, { error: 'must be day, week or month' }).default('day'),
  })
  .superRefine(checkRange);
export type ProjectSeriesQuery = z.infer<typeof ProjectSeriesQuerySchema>;

export const ProjectParamSchema = z.object({
  username: usernameSchema,
  id: z.coerce.number({ error: 'must be a number' }).int('must be an integer').positive('must be positive').max(2_147_483_647),
});
export type ProjectParam = z.infer<typeof ProjectParamSchema>;

export const UpdateProjectSchema = z
  .strictObject({
    alias: printableName(MAX_PROJECT_ALIAS)
      .nullable()
      .optional()
      .meta({ description: `The name shown instead of the path (1–${MAX_PROJECT_ALIAS} printable characters); null removes it` }),
    hidden: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .meta({ description: 'Hidden projects are left out of the list unless includeHidden=true' }),
  })
  .refine((v) => v.alias !== undefined || v.hidden !== undefined, 'must change at least one of alias, hidden')
  .meta({ id: 'UpdateProject', examples: [{ alias: 'stats server' }, { hidden: true }, { alias: null, hidden: false }] });
export type UpdateProject = z.infer<typeof UpdateProjectSchema>;

export const ProjectModelSchema = z
  .object({
    model: z
      .string()
      .nullable()
      .meta({ example: 'claude-sonnet-4-5-20250929', description: 'null: tokens the report gave the project without a model breakdown' }),
    ...tokenFields,
    cost: z.string().meta({ example: '1.1737', description: 'USD, 4 decimal places' }),
  })
  .meta({ id: 'ProjectModel' });

/** Who a project is: its id, the name shown, the path it stands for and the owner's settings. */
const projectIdentity = {
  id: z.number().int().meta({ example: 7 }),
  name: z.string().meta({ example: 'stats server', description: 'The alias when one is set, else the path' }),
  path: z.string().meta({ example: '-home-alice-code-stats-server', description: "ccusage's project key: Claude Code's encoding of the directory" }),
  alias: z.string().nullable().meta({ example: 'stats server' }),
  hidden: z.boolean().meta({ example: false }),
};

export const ProjectSchema = z.object(projectIdentity).meta({ id: 'Project' });
export type Project = z.infer<typeof ProjectSchema>;

const retiredMonths = z.array(z.string()).meta({
  description:
    'Months of the range retired by retention (RETENTION_DAYS), as first days: their project rows were archived and deleted, so the answer does not count them',
  example: [],
});

export const ProjectUsageSchema = z
  .object({
    ...projectIdentity,
    firstDate: z.string().meta({ example: '2025-06-01', description: 'First day with data in the range' }),
    lastDate: z.string().meta({ example: '2025-06-07', description: 'Last day with data in the range' }),
    activeDays: z.number().int().meta({ example: 7, description: 'Days with data in the range (over all devices)' }),
    totals: TotalsSchema.meta({ description: "The project's sums over the range; totalTokens is the four kinds' sum" }),
    models: z.array(ProjectModelSchema).meta({ description: 'By cost, then tokens, most first' }),
  })
  .meta({ id: 'ProjectUsage' });

export const ProjectListSchema = z
  .object({
    username: z.string().meta({ example: 'alice' }),
    from: z.string().nullable().meta({ example: '2025-06-01', description: 'The range asked for, or its default; null when there is no project data' }),
    to: z.string().nullable().meta({ example: '2025-06-07' }),
    includeHidden: z.boolean(),
    retiredMonths,
    projects: z.array(ProjectUsageSchema).meta({ description: 'Projects with data in the range, most cost first (then tokens, then path)' }),
  })
  .meta({ id: 'ProjectList' });
export type ProjectList = z.infer<typeof ProjectListSchema>;

export const ProjectSeriesSchema = z
  .object({
    username: z.string().meta({ example: 'alice' }),
    project: ProjectSchema,
    from: z.string().nullable().meta({ example: '2025-06-01', description: "The range asked for, or the project's first and last day; null without data" }),
    to: z.string().nullable().meta({ example: '2025-06-07' }),
    granularity: z.enum(GRANULARITIES),
    retiredMonths,
    rows: z
      .array(
        z
          .object({
            date: z.string().meta({ example: '2025-06-01', description: 'The day, the Monday of the ISO week, or the first of the month' }),
            activeDays: z.number().int().meta({ description: 'Days with data in the bucket (1 for days)' }),
            ...tokenFields,
            totalCost: z.string().meta({ example: '1.4112' }),
            models: z.array(ProjectModelSchema),
          })
          .meta({ id: 'ProjectBucket' }),
      )
      .meta({ description: 'Buckets with data only, oldest first' }),
    totals: TotalsSchema,
  })
  .meta({ id: 'ProjectSeries' });
export type ProjectSeries = z.infer<typeof ProjectSeriesSchema>;
