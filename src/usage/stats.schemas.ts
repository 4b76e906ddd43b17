import { z } from 'zod';
import {
  booleanParam,
  CommunityTotalsSchema,
  DISPLAY_NAME,
  formatParam,
  HIDDEN_COST,
  limitParam,
  offsetParam,
  tokenFields,
  WITHHELD_COST,
  WITHHELD_DAYS,
  withheldFlags,
  withheldTokenFields,
} from '../common/schema-parts.js';
import { usernameSchema } from '../directory/username.js';
import { GRANULARITIES, PERIODS } from '../read-model/periods.js';
import { bothOrNeither, rangeFields } from '../read-model/range.schemas.js';
import { LEADERBOARD_METRICS } from '../read-model/sums.js';
import { ActivitySummarySchema } from './activity.schemas.js';

/** How a ranked metric's value is printed, wherever one is. */
const VALUE_DESCRIPTION =
  'The ranked metric as text: tokens and counts (sessions, linesAdded, commits, pullRequests) as integers, cost with 4 decimals, activeTime in seconds with at most 3 decimals';

export const LeaderboardQuerySchema = z
  .object({
    period: z.enum(PERIODS, { error: `must be one of ${PERIODS.join(', ')}` }).default('30d'),
    ...rangeFields,
    metric: z.enum(LEADERBOARD_METRICS, { error: `must be one of ${LEADERBOARD_METRICS.join(', ')}` }).default('cost'),
    limit: limitParam(500, 50),
    offset: offsetParam,
    sparklines: booleanParam('false').meta({ description: "true adds each entry's last30Days (JSON only)" }),
    format: formatParam,
  })
  .superRefine(bothOrNeither);
export type LeaderboardQuery = z.infer<typeof LeaderboardQuerySchema>;

export const LeaderboardSchema = z
  .object({
    period: z.enum([...PERIODS, 'custom']),
    from: z.string().nullable(),
    to: z.string().nullable(),
    metric: z.enum(LEADERBOARD_METRICS),
    granularity: z.enum(['day', 'month']).meta({
      description: "'month' when the range reaches into retired months (RETENTION_DAYS): their days are gone, so they count whole, from the monthly summaries",
    }),
    total: z
      .number()
      .int()
      .meta({
        description:
          'Users ranked: with data in the range (token metrics), with a non-zero value in the range (activity metrics), among the users this caller may see ' +
          '(ranked by cost: whose cost this caller may see); on a team board, its members',
      }),
    entries: z.array(
      z
        .object({
          rank: z.number().int().meta({ description: 'Ties share a rank (1, 2, 2, 4), counted among the users this caller may see' }),
          username: z.string(),
          displayName: DISPLAY_NAME,
          value: z.string().meta({ description: VALUE_DESCRIPTION, example: '54.8771' }),
          ...tokenFields,
          totalCost: HIDDEN_COST,
          activeDays: z.number().int(),
          topModel: z.string().nullable(),
          last30Days: z
            .array(z.string())
            .optional()
            .meta({
              description:
                "With sparklines=true: the metric on each UTC day from today−29 to today, oldest first (30 values, printed as value is; '0' or '0.0000' without data)",
              example: ['0.0000', '1.4112'],
            }),
        })
        .meta({ id: 'LeaderboardEntry' }),
    ),
  })
  .meta({ id: 'Leaderboard' });
export type Leaderboard = z.infer<typeof LeaderboardSchema>;

export const WeeklyQuerySchema = z.object({ limit: limitParam(500, 100), offset: offsetParam, format: formatParam });
export const WeeklySchema = z
  .object({
    from: z.string(),
    to: z.string(),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
    rows: z.array(z.object({ username: z.string(), date: z.string(), totalCost: HIDDEN_COST, totalTokens: z.number().int() })),
  })
  .meta({ id: 'WeeklyStats' });
export type Weekly = z.infer<typeof WeeklySchema>;

export const ExportQuerySchema = z
  .object({
    ...rangeFields,
    username: usernameSchema.optional(),
    cursor: z
      .string()
      .max(200)
      .regex(/^[A-Za-z0-9_-]*$/, 'is not valid')
      .optional()
      .meta({ description: 'nextCursor of the previous page' }),
    limit: limitParam(5000, 1000),
    format: formatParam,
  })
  .superRefine(bothOrNeither);
export type ExportQuery = z.infer<typeof ExportQuerySchema>;

export const ExportRowSchema = z.object({ username: z.string(), date: z.string(), ...tokenFields, totalCost: HIDDEN_COST }).meta({ id: 'DailyRow' });
export const ExportSchema = z
  .object({ from: z.string(), to: z.string(), rows: z.array(ExportRowSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'DailyRows' });
export type ExportPage = z.infer<typeof ExportSchema>;

export const SummarySchema = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    users: z.number().int().meta({ description: 'Registered users' }),
    activeUsers: z.number().int().meta({ description: 'Users with data in the range (every user, hidden or not)' }),
    days: WITHHELD_DAYS.meta({ description: 'Days with data in the range; null when totals are withheld (docs/privacy.md, "Community totals")' }),
    totals: CommunityTotalsSchema,
    topModel: z
      .object({
        model: z.string(),
        provider: z.string(),
        cost: WITHHELD_COST,
        costWithheld: z.boolean().meta({ description: "true when cost is null: withheld as the model's row in GET /models is (docs/privacy.md)" }),
      })
      .nullable(),
    topUser: z
      .object({ username: z.string(), totalCost: z.string() })
      .nullable()
      .meta({ description: 'The user with the most cost among those this caller may see with their cost' }),
    granularity: z.enum(['day', 'month']).meta({
      description:
        "'month' when the range reaches into retired months (RETENTION_DAYS): totals and models stay exact (they keep daily detail), topUser counts those months whole, as the leaderboard does",
    }),
    activity: ActivitySummarySchema,
  })
  .meta({ id: 'Summary' });
export type Summary = z.infer<typeof SummarySchema>;

export const UserRanksQuerySchema = z.object({
  metric: z.enum(LEADERBOARD_METRICS, { error: `must be one of ${LEADERBOARD_METRICS.join(', ')}` }).default('cost'),
});
export type UserRanksQuery = z.infer<typeof UserRanksQuerySchema>;

export const UserRanksSchema = z
  .object({
    username: z.string(),
    metric: z.enum(LEADERBOARD_METRICS),
    ranks: z.array(
      z.object({
        period: z.enum(PERIODS),
        from: z.string().nullable().meta({ description: "The period's first day; for all, the first day anyone has data (null: none)" }),
        to: z.string().nullable(),
        rank: z.number().int().nullable().meta({ description: "The user's rank in the period's leaderboard (ties share it); null without data in the period" }),
        total: z.number().int().meta({ description: 'Users ranked in the period' }),
        value: z.string().meta({ description: `The user's metric in the period. ${VALUE_DESCRIPTION}`, example: '54.8771' }),
      }),
    ),
  })
  .meta({ id: 'UserRanks' });
export type UserRanks = z.infer<typeof UserRanksSchema>;

export const CommunitySeriesQuerySchema = z
  .object({
    ...rangeFields,
    granularity: z.enum(GRANULARITIES, { error: 'must be day, week or month' }).default('day'),
    format: formatParam,
  })
  .superRefine(bothOrNeither);
export type CommunitySeriesQuery = z.infer<typeof CommunitySeriesQuerySchema>;

export const CommunitySeriesSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    granularity: z.enum(GRANULARITIES),
    rows: z.array(
      z.object({
        date: z.string().meta({ description: 'The day, the Monday of the ISO week, or the first of the month' }),
        activeUsers: z.number().int().meta({ description: 'Distinct users with data in the bucket (within the range), hidden or not' }),
        ...withheldTokenFields,
        totalCost: WITHHELD_COST,
        ...withheldFlags,
      }),
    ),
  })
  .meta({ id: 'CommunitySeries' });
export type CommunitySeries = z.infer<typeof CommunitySeriesSchema>;
