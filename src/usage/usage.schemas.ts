import { z } from 'zod';
import { calendarDay, checkRange } from '../common/dates.js';
import { formatParam, limitParam, offsetParam, tokenFields } from '../common/schema-parts.js';
import { usernameSchema } from '../users/users.schemas.js';

const DEVICE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.:@-]{0,63}$/;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const UploadQuerySchema = z.object({
  device: z
    .string()
    .max(64, 'must be at most 64 characters')
    .regex(DEVICE_PATTERN, 'must be 1 to 64 letters, digits, spaces or _ . : @ -, starting with a letter or digit')
    .default('default')
    .meta({ description: "The machine's label; each device's days are kept apart and summed.", example: 'laptop' }),
  tz: z
    .string()
    .max(64)
    .refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Berlin')
    .optional()
    .meta({ description: 'The --timezone the report was made with (recorded with the upload).', example: 'UTC' }),
  username: usernameSchema.optional().meta({ description: 'Admin token only: the user to upload for.' }),
});
export type UploadQuery = z.infer<typeof UploadQuerySchema>;

const tokenTotals = tokenFields;

export const TotalsSchema = z
  .object({ ...tokenTotals, totalCost: z.string().meta({ example: '54.8770', description: 'USD, 4 decimal places' }) })
  .meta({ id: 'Totals' });

export const UploadResultSchema = z
  .object({
    username: z.string(),
    device: z.string(),
    format: z.enum(['claude-daily', 'all-agent-daily', 'instances', 'empty']),
    days: z.number().int().meta({ description: 'Days in the report' }),
    inserted: z.number().int().meta({ description: "Days this device had not reported before" }),
    updated: z.number().int().meta({ description: "Days whose numbers changed for this device" }),
    unchanged: z.number().int().meta({ description: 'Days identical to what this device reported before' }),
    ignored: z.number().int().meta({
      description: 'Days in retired months (RETENTION_DAYS), not stored: those months are kept only as monthly totals. A warning names them.',
    }),
    from: z.string().nullable(),
    to: z.string().nullable(),
    totals: TotalsSchema,
    warnings: z.array(z.string()),
  })
  .meta({ id: 'UploadResult' });
export type UploadResult = z.infer<typeof UploadResultSchema>;

export const UploadRecordSchema = z
  .object({
    id: z.number().int(),
    device: z.string(),
    format: z.string(),
    tz: z.string().nullable(),
    days: z.number().int(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    inserted: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    totals: TotalsSchema,
    sizeBytes: z.number().int(),
    warnings: z.array(z.string()),
    createdAt: z.string(),
  })
  .meta({ id: 'UploadRecord' });

export const UploadListSchema = z
  .object({ username: z.string(), total: z.number().int(), limit: z.number().int(), offset: z.number().int(), uploads: z.array(UploadRecordSchema) })
  .meta({ id: 'UploadList' });
export type UploadList = z.infer<typeof UploadListSchema>;

export const PageQuerySchema = z.object({
  limit: limitParam(500, 50),
  offset: offsetParam,
  format: formatParam,
});

export const ModelDaySchema = z
  .object({
    model: z.string().meta({ example: 'claude-sonnet-4-5-20250929' }),
    provider: z.string().meta({ example: 'anthropic' }),
    ...tokenTotals,
    cost: z.string().meta({ example: '1.1737' }),
  })
  .meta({ id: 'ModelUsage' });

export const UsageDaySchema = z
  .object({
    date: z.string().meta({ example: '2025-06-01', description: 'The day, the Monday of the ISO week, or the first of the month' }),
    activeDays: z.number().int().meta({ description: 'Days with data in the bucket (1 for days)' }),
    ...tokenTotals,
    totalCost: z.string().meta({ example: '1.4112' }),
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
    from: z.string().nullable(),
    to: z.string().nullable(),
    granularity: z.enum(['day', 'week', 'month']),
    retiredMonths: z
      .array(z.string())
      .meta({ description: 'Months in the range whose days were retired (YYYY-MM-01); each is one whole-month row', example: [] }),
    rows: z.array(UsageDaySchema),
    totals: TotalsSchema,
  })
  .meta({ id: 'UserUsage' });
export type UserUsage = z.infer<typeof UserUsageSchema>;

export const UsageRangeQuerySchema = z
  .object({
    from: calendarDay.optional().meta({ description: 'First day (UTC calendar day); default: the first day with data' }),
    to: calendarDay.optional().meta({ description: 'Last day, included; default: the last day with data' }),
    granularity: z.enum(['day', 'week', 'month'], { error: 'must be day, week or month' }).default('day'),
    models: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true').transform((v) => v === 'true'),
    format: formatParam,
  })
  .superRefine(checkRange);

const periodTotals = z.object({ ...tokenTotals, totalCost: z.string(), activeDays: z.number().int() });

export const UserProfileSchema = z
  .object({
    username: z.string(),
    createdAt: z.string(),
    firstDate: z.string().nullable(),
    lastDate: z.string().nullable(),
    activeDays: z.number().int(),
    totals: TotalsSchema,
    last7Days: periodTotals,
    last30Days: periodTotals,
    topModels: z.array(
      z.object({ model: z.string(), provider: z.string(), totalTokens: z.number().int(), cost: z.string(), costShare: z.number() }),
    ),
    devices: z.array(z.object({ device: z.string(), days: z.number().int(), lastUpload: z.string().nullable() })),
  })
  .meta({ id: 'UserProfile' });
export type UserProfile = z.infer<typeof UserProfileSchema>;
export type UsageRangeQuery = z.infer<typeof UsageRangeQuerySchema>;
