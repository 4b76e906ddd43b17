import { z } from 'zod';
import { calendarDay, checkRange } from '../common/dates.js';
import {
  CommunityTotalsSchema,
  formatParam,
  limitParam,
  offsetParam,
  WITHHELD_COST,
  withheldFlags,
  withheldNumber,
  withheldTokenFields,
} from '../common/schema-parts.js';
import { printableName } from '../common/text.js';
import { GRANULARITIES } from '../read-model/periods.js';
import { bothOrNeither, rangeFields, RangeQuerySchema } from '../read-model/range.schemas.js';

const share = z.number().nullable().meta({
  description:
    'Share of the cost of every model in the range, 0 to 1; null when this row\'s cost is withheld, or the cost of every model is (exactly one user behind it does not show their cost to this caller; docs/privacy.md, "Community totals")',
  example: 0.4213,
});

const ACTIVE_DAYS = withheldNumber('Days on which anyone used it; ');

export const ModelStatsSchema = z
  .object({
    model: z.string(),
    provider: z.string(),
    users: z.number().int().meta({ description: 'Distinct users of the model in the range, hidden or not' }),
    activeDays: ACTIVE_DAYS,
    ...withheldTokenFields,
    cost: WITHHELD_COST,
    costShare: share,
    ...withheldFlags,
  })
  .meta({ id: 'ModelStats' });

/** A range, like the summary's, and a page: lists of models are as long as what was uploaded. */
export const ModelsQuerySchema = RangeQuerySchema.safeExtend({ limit: limitParam(500, 100), offset: offsetParam });
export type ModelsQuery = z.infer<typeof ModelsQuerySchema>;

const listPage = {
  from: z.string().nullable(),
  to: z.string().nullable(),
  total: z.number().int().meta({ description: 'Rows in the whole list; page through them with limit and offset' }),
  limit: z.number().int(),
  offset: z.number().int(),
};

export const ModelsSchema = z.object({ ...listPage, models: z.array(ModelStatsSchema) }).meta({ id: 'Models' });
export type Models = z.infer<typeof ModelsSchema>;

export const ProviderStatsSchema = z
  .object({
    provider: z.string(),
    users: z.number().int().meta({ description: 'Distinct users of the provider in the range, hidden or not' }),
    activeDays: ACTIVE_DAYS,
    ...withheldTokenFields,
    cost: WITHHELD_COST,
    costShare: share,
    ...withheldFlags,
  })
  .meta({ id: 'ProviderStats' });
export const ProvidersSchema = z.object({ ...listPage, providers: z.array(ProviderStatsSchema) }).meta({ id: 'Providers' });
export type Providers = z.infer<typeof ProvidersSchema>;

export const ModelParamSchema = z.object({ model: printableName(100) });

export const ModelSeriesQuerySchema = z
  .object({
    from: calendarDay.optional(),
    to: calendarDay.optional(),
    granularity: z.enum(['day', 'week', 'month'], { error: 'must be day, week or month' }).default('day'),
    format: formatParam,
  })
  .superRefine(checkRange);
export type ModelSeriesQuery = z.infer<typeof ModelSeriesQuerySchema>;

export const ModelSeriesSchema = z
  .object({
    model: z.string(),
    provider: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    granularity: z.enum(['day', 'week', 'month']),
    rows: z.array(
      z.object({
        date: z.string().meta({ description: 'The day, the Monday of the ISO week, or the first of the month' }),
        users: z.number().int().meta({ description: 'Distinct users of the model in the bucket, hidden or not' }),
        activeDays: ACTIVE_DAYS,
        ...withheldTokenFields,
        cost: WITHHELD_COST,
        ...withheldFlags,
      }),
    ),
    // The rows' sum: withheld when any row is, or it minus the rows shown would be the withheld ones.
    totals: CommunityTotalsSchema,
  })
  .meta({ id: 'ModelSeries' });
export type ModelSeries = z.infer<typeof ModelSeriesSchema>;

export const ModelsSeriesQuerySchema = z
  .object({
    ...rangeFields,
    granularity: z.enum(GRANULARITIES, { error: 'must be day, week or month' }).default('day'),
    by: z.enum(['model', 'provider'], { error: 'must be model or provider' }).default('model'),
    top: limitParam(20, 8).meta({ description: 'How many models (or providers) get a series of their own, by cost over the range; the rest are summed' }),
  })
  .superRefine(bothOrNeither);
export type ModelsSeriesQuery = z.infer<typeof ModelsSeriesQuerySchema>;

export const ModelsSeriesSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    granularity: z.enum(GRANULARITIES),
    by: z.enum(['model', 'provider']),
    series: z.array(
      z.object({
        key: z.string().nullable().meta({ description: 'The model (or provider); null for the series that sums every other one' }),
        provider: z.string().nullable().meta({ description: "The model's provider (by=provider: the key); null for the rest" }),
        totals: z
          .object({ totalTokens: withheldNumber(), cost: WITHHELD_COST, ...withheldFlags })
          .meta({ description: "The series' rows summed; withheld when any of its rows is (else it, minus the rows shown, would be the withheld ones)" }),
        rows: z.array(
          z.object({
            date: z.string().meta({ description: 'The day, the Monday of the ISO week, or the first of the month' }),
            ...withheldTokenFields,
            cost: WITHHELD_COST,
            ...withheldFlags,
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'ModelsSeries' });
export type ModelsSeries = z.infer<typeof ModelsSeriesSchema>;
