import { z } from 'zod';
import { formatParam, limitParam, offsetParam, TotalsSchema } from '../common/schema-parts.js';
import { usernameSchema } from '../directory/username.js';
import { REPORT_FORMATS } from './ccusage/adapters/registry.js';

export const DEVICE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.:@-]{0,63}$/;

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

export const UploadResultSchema = z
  .object({
    username: z.string(),
    device: z.string(),
    format: z.enum(REPORT_FORMATS),
    days: z.number().int().meta({ description: 'Days in the report' }),
    inserted: z.number().int().meta({ description: 'Days this device had not reported before' }),
    updated: z.number().int().meta({ description: 'Days whose numbers, or projects (--instances), changed for this device' }),
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
