import { z } from 'zod';
import { DISPLAY_NAME, limitParam, offsetParam, tokenFields, TotalsSchema } from '../common/schema-parts.js';
import { GRANULARITIES } from '../read-model/periods.js';
import { RangeQuerySchema } from '../read-model/range.schemas.js';

/**
 * What every team read counts, said once for the schemas' descriptions and docs/teams.md: members'
 * usage over the whole range whatever the day they joined; only the members the caller may see; money
 * only of those whose cost the caller may see.
 */
export const TEAM_COUNTING =
  "Each member's usage over the whole range counts, whatever the day they joined. Only the members this caller may see are counted " +
  '(a private member is left out for teammates; a member with visibility teams for outsiders), and money only of the members whose cost ' +
  'this caller may see (showCost=false leaves their tokens in and their money out); the admin sees all. membersCounted and ' +
  'costMembersCounted say how many that was (docs/teams.md, "Team reads").';

const slug = z.string().meta({ description: "The team's slug", example: 'platform-team' });

/** Who an answer counted: the reader's view of the team. */
const counted = {
  membersCounted: z.number().int().meta({ description: 'Members counted in every token figure: those this caller may see', example: 12 }),
  costMembersCounted: z
    .number()
    .int()
    .meta({ description: 'Members whose money is in every cost figure: those whose cost this caller may see (at most membersCounted)', example: 11 }),
};

const retiredGranularity = z.enum(['day', 'month']).meta({
  description:
    "'month' when the range reaches into retired months (RETENTION_DAYS): their days are gone from the per-user tables, so each counts whole, as the leaderboard counts it; activeMembers and days stay exact",
});

export const TeamSummarySchema = z
  .object({
    team: slug,
    from: z
      .string()
      .nullable()
      .meta({ description: 'The first day; without a range, the first day any counted member has data (null: none)', example: '2025-01-01' }),
    to: z.string().nullable().meta({ description: 'The last day; without a range, the last day any counted member has data', example: '2025-06-30' }),
    members: z.number().int().meta({ description: 'Members of the team, counted or not', example: 12 }),
    ...counted,
    activeMembers: z.number().int().meta({ description: 'Counted members with data in the range', example: 9 }),
    days: z.number().int().meta({ description: 'Days in the range on which any counted member has data', example: 143 }),
    totals: TotalsSchema.meta({ description: "The counted members' tokens, and the money of those whose cost this caller may see" }),
    topModel: z
      .object({ model: z.string(), provider: z.string(), cost: z.string().meta({ description: 'Of the members whose cost this caller may see' }) })
      .nullable()
      .meta({
        description: 'The first of GET /teams/:slug/models: most cost, then most tokens; null without data',
        example: { model: 'claude-sonnet-4-5-20250929', provider: 'anthropic', cost: '412.1180' },
      }),
    topUser: z
      .object({ username: z.string(), displayName: DISPLAY_NAME, totalCost: z.string() })
      .nullable()
      .meta({
        description: "Among the members whose cost this caller may see, the one with most cost (ties: by username): the team leaderboard's first by cost",
        example: { username: 'alice', displayName: null, totalCost: '123.4567' },
      }),
    granularity: retiredGranularity,
  })
  .meta({ id: 'TeamSummary', description: `A team's totals over a range (default: all time). ${TEAM_COUNTING}` });
export type TeamSummary = z.infer<typeof TeamSummarySchema>;

export const TeamSeriesSchema = z
  .object({
    team: slug,
    from: z.string().meta({ example: '2025-04-01' }),
    to: z.string().meta({ example: '2025-06-30' }),
    granularity: z.enum(GRANULARITIES),
    ...counted,
    retiredMonths: z.array(z.string()).meta({
      description: 'Months of the range retired by retention (RETENTION_DAYS), as first days: their days are gone, so each is one whole-month row',
      example: [],
    }),
    rows: z.array(
      z
        .object({
          date: z.string().meta({ description: 'The day, the Monday of the ISO week, or the first of the month', example: '2025-06-02' }),
          granularity: z
            .literal('month')
            .optional()
            .meta({ description: "Present on a retired month's row: the whole month, dated its first day, even where the range cuts it" }),
          activeMembers: z.number().int().meta({ description: 'Counted members with data in the bucket (within the range)', example: 7 }),
          ...tokenFields,
          totalCost: z.string().meta({ description: 'USD, 4 decimal places, of the members whose cost this caller may see', example: '54.8771' }),
        })
        .meta({ id: 'TeamSeriesRow' }),
    ),
  })
  .meta({
    id: 'TeamSeries',
    description: `A team's usage per day, ISO week or month: buckets with data only, oldest first. ${TEAM_COUNTING}`,
  });
export type TeamSeries = z.infer<typeof TeamSeriesSchema>;

export const TeamModelsQuerySchema = RangeQuerySchema.safeExtend({
  by: z
    .enum(['model', 'provider'], { error: 'must be model or provider' })
    .default('model')
    .meta({ description: 'One row per model (default) or per provider' }),
  limit: limitParam(500, 100),
  offset: offsetParam,
});
export type TeamModelsQuery = z.infer<typeof TeamModelsQuerySchema>;

export const TeamModelsSchema = z
  .object({
    team: slug,
    from: z.string().nullable().meta({ description: 'null without a range (all time)' }),
    to: z.string().nullable(),
    by: z.enum(['model', 'provider']),
    ...counted,
    granularity: retiredGranularity,
    total: z.number().int().meta({ description: 'Rows in the whole list; page through them with limit and offset', example: 4 }),
    limit: z.number().int(),
    offset: z.number().int(),
    rows: z.array(
      z
        .object({
          key: z.string().meta({ description: 'The model (by=model) or the provider (by=provider)', example: 'claude-sonnet-4-5-20250929' }),
          provider: z.string().meta({ example: 'anthropic' }),
          users: z.number().int().meta({ description: 'Counted members who used it in the range', example: 8 }),
          ...tokenFields,
          cost: z.string().meta({ description: 'USD, 4 decimal places, of the members whose cost this caller may see', example: '412.1180' }),
          costShare: z.number().meta({ description: "Its share of the cost of every row of the list (not only this page's), 0 to 1", example: 0.7312 }),
        })
        .meta({ id: 'TeamModelShare' }),
    ),
  })
  .meta({
    id: 'TeamModels',
    description: `A team's model (or provider) shares over a range (default: all time), most cost first, then most tokens, then by name. ${TEAM_COUNTING}`,
  });
export type TeamModels = z.infer<typeof TeamModelsSchema>;
