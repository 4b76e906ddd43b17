import { z } from 'zod';

/** Pieces shared by the request and response schemas of several modules. */

/** The four token kinds and their total, named as ccusage names them. */
export const tokenFields = {
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheCreationTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  totalTokens: z.number().int(),
};

/** `limit` query parameter: 1 to `max`, `fallback` when absent. */
export const limitParam = (max: number, fallback: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1').max(max, `must be at most ${max}`).default(fallback);

export const offsetParam = z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must not be negative').max(10_000_000).default(0);

/** A true/false query flag, strictly `true` or `false`, read as a boolean. */
export const booleanParam = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default(fallback)
    .transform((v) => v === 'true');

export const formatParam = z
  .enum(['json', 'csv'], { error: 'must be json or csv' })
  .optional()
  .meta({ description: 'csv for RFC 4180 CSV with a header row (also chosen by Accept: text/csv)' });

export const TotalsSchema = z
  .object({ ...tokenFields, totalCost: z.string().meta({ example: '54.8770', description: 'USD, 4 decimal places' }) })
  .meta({ id: 'Totals' });

/** Where the rule behind every withheld number is written down. */
const WITHHELD_RULE = 'docs/privacy.md, "Community totals"';

/** A community aggregate's number (an integer unless said): null when the cell is withheld from this caller. */
export const withheldNumber = (what = '', integer = true) =>
  (integer ? z.number().int() : z.number())
    .nullable()
    .meta({ description: `${what}null when withheld (withheld: true): exactly one of the users behind it is hidden from this caller (${WITHHELD_RULE})` });
const withheldInt = () => withheldNumber();

/** The token fields of a community aggregate, each null when the cell is withheld. */
export const withheldTokenFields = {
  inputTokens: withheldInt(),
  outputTokens: withheldInt(),
  cacheCreationTokens: withheldInt(),
  cacheReadTokens: withheldInt(),
  totalTokens: withheldInt(),
};

/** A count of days behind a community aggregate: withheld with its tokens (it tells when the one hidden user was active). */
export const WITHHELD_DAYS = withheldNumber('Days with data; ');

/** A community aggregate's money. */
export const WITHHELD_COST = z
  .string()
  .nullable()
  .meta({
    description: `USD, 4 decimal places; null when withheld (costWithheld: true): exactly one of the users behind it does not show their cost to this caller or is hidden (${WITHHELD_RULE})`,
    example: '54.8771',
  });

/** The flags of a cell of a community aggregate that may be withheld. */
export const withheldFlags = {
  withheld: z.boolean().meta({
    description: `true when this cell's token numbers and money are null: exactly one of its users is hidden from this caller, who could otherwise subtract the rest (${WITHHELD_RULE})`,
  }),
  costWithheld: z.boolean().meta({
    description: `true when this cell's money is null (always with withheld): exactly one of its users does not show their cost to this caller (${WITHHELD_RULE})`,
  }),
};

/** Totals over every user, as the caller may see them (each null when withheld). */
export const CommunityTotalsSchema = z
  .object({ ...withheldTokenFields, totalCost: WITHHELD_COST, ...withheldFlags })
  .meta({ id: 'CommunityTotals', description: `Every user counted, hidden or not; each number null when withheld from this caller (${WITHHELD_RULE})` });

/** A user's display name, wherever a username is listed. */
export const DISPLAY_NAME = z
  .string()
  .nullable()
  .meta({ description: 'The name the user chose to show beside the username (null: none)', example: 'Alice Martin' });

/** Another user's money, which they may choose not to show. */
export const HIDDEN_COST = z.string().nullable().meta({
  description: 'USD, 4 decimal places; null when the user does not show their cost to this caller (showCost=false; docs/privacy.md)',
  example: '54.8771',
});

/** One user's totals: as Totals, but their money may be hidden from the caller. */
export const UserTotalsSchema = z.object({ ...tokenFields, totalCost: HIDDEN_COST }).meta({ id: 'UserTotals' });

/** The fields that carry money in answers about one user. */
const COST_KEYS = new Set(['totalCost', 'cost', 'costShare']);

/**
 * An answer about one user with every money field set to null: what a caller sees of a user who
 * does not show their cost (docs/privacy.md). Deep, so that a money field added later is covered.
 */
export function withoutCost<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutCost) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, COST_KEYS.has(k) ? null : withoutCost(v)])) as T;
}
