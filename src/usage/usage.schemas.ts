import { z } from 'zod';
import { calendarDay, checkRange } from '../common/dates.js';
import { DISPLAY_NAME, formatParam, HIDDEN_COST, tokenFields, UserTotalsSchema } from '../common/schema-parts.js';

const tokenTotals = tokenFields;

export const ModelDaySchema = z
  .object({
    model: z.string().meta({ example: 'claude-sonnet-4-5-20250929' }),
    provider: z.string().meta({ example: 'anthropic' }),
    ...tokenTotals,
    cost: HIDDEN_COST,
  })
  .meta({ id: 'ModelUsage' });

export const UsageDaySchema = z
  .object({
    date: z.string().meta({ example: '2025-06-01', description: 'The day, the Monday of the ISO week, or the first of the month' }),
    activeDays: z.number().int().meta({ description: 'Days with data in the bucket (1 for days)' }),
    ...tokenTotals,
    totalCost: HIDDEN_COST,
    models: z.array(ModelDaySchema).optional().meta({ description: 'Present unless models=false' }),
    granularity: z
      .literal('month')
      .optional()
      .meta({ description: "Present on a retired month's row (RETENTION_DAYS): its days are gone, so it is the whole month, dated its first day" }),
  })
  .meta({ id: 'UsageDay' });

export const UserUsageSchema = z
  .object({
    username: z.string(),
    displayName: DISPLAY_NAME,
    from: z.string().nullable(),
    to: z.string().nullable(),
    granularity: z.enum(['day', 'week', 'month']),
    retiredMonths: z
      .array(z.string())
      .meta({ description: 'Months in the range whose days were retired (YYYY-MM-01); each is one whole-month row', example: [] }),
    rows: z.array(UsageDaySchema),
    totals: UserTotalsSchema,
  })
  .meta({ id: 'UserUsage' });
export type UserUsage = z.infer<typeof UserUsageSchema>;

export const UsageRangeQuerySchema = z
  .object({
    from: calendarDay.optional().meta({ description: 'First day (UTC calendar day); default: the first day with data' }),
    to: calendarDay.optional().meta({ description: 'Last day, included; default: the last day with data' }),
    granularity: z.enum(['day', 'week', 'month'], { error: 'must be day, week or month' }).default('day'),
    models: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('true')
      .transform((v) => v === 'true'),
    format: formatParam,
  })
  .superRefine(checkRange);

const periodTotals = z.object({ ...tokenTotals, totalCost: HIDDEN_COST, activeDays: z.number().int() });

export const UserProfileSchema = z
  .object({
    username: z.string(),
    displayName: DISPLAY_NAME,
    createdAt: z.string(),
    firstDate: z.string().nullable(),
    lastDate: z.string().nullable(),
    activeDays: z.number().int(),
    totals: UserTotalsSchema,
    last7Days: periodTotals,
    last30Days: periodTotals,
    topModels: z.array(
      z.object({ model: z.string(), provider: z.string(), totalTokens: z.number().int(), cost: HIDDEN_COST, costShare: z.number().nullable() }),
    ),
    devices: z.array(z.object({ device: z.string(), days: z.number().int(), lastUpload: z.string().nullable() })),
  })
  .meta({ id: 'UserProfile' });
export type UserProfile = z.infer<typeof UserProfileSchema>;
export type UsageRangeQuery = z.infer<typeof UsageRangeQuerySchema>;
