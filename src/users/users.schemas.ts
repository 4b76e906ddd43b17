import { z } from 'zod';
import { DISPLAY_NAME, formatParam, HIDDEN_COST, limitParam, offsetParam } from '../common/schema-parts.js';
import { printableName, isPrintable, PRINTABLE_MESSAGE } from '../common/text.js';
import { VISIBILITIES } from '../directory/audience.js';
import { usernameSchema } from '../directory/username.js';

/**
 * Names nobody may register (compared without regard to case): words that routes use or that people
 * would take for the server speaking (a user "admin" on a leaderboard, a profile at /u/api).
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'admin',
  'administrator',
  'root',
  'system',
  'sysadmin',
  'superuser',
  'moderator',
  'mod',
  'owner',
  'staff',
  'support',
  'security',
  'help',
  'info',
  'about',
  'contact',
  'official',
  'team',
  'teams',
  'api',
  'docs',
  'doc',
  'docs-json',
  'swagger',
  'openapi',
  'health',
  'metrics',
  'status',
  'me',
  'self',
  'user',
  'users',
  'u',
  'anonymous',
  'anon',
  'guest',
  'everyone',
  'all',
  'null',
  'undefined',
  'none',
  'nobody',
  'login',
  'logout',
  'register',
  'signup',
  'signin',
  'auth',
  'token',
  'tokens',
  'settings',
  'account',
  'profile',
  'new',
  'edit',
  'delete',
  'leaderboard',
  'models',
  'providers',
  'stats',
  'usage',
  'uploads',
  'summary',
  'maintenance',
  'backup',
  'backups',
  'static',
  'assets',
  'public',
  'www',
  'ccstats',
  'claude',
  'anthropic',
]);

/** An invite code as shown once: `cci_` and 43 base64url characters (anything else is no code). */
export const inviteCodeSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain letters, digits, _ and - (as invite codes do)')
  .meta({ example: 'cci_Sm9pbiB0aGUgdGVhbSBvbiB0aGlzIHNlcnZlciBwbGVhc2U' });

export const CreateUserSchema = z
  .strictObject({
    username: usernameSchema.refine((name) => !RESERVED_USERNAMES.has(name.toLowerCase()), 'is reserved; choose another name'),
    invite: inviteCodeSchema
      .optional()
      .meta({ description: 'A team invite code: the new user joins that team (required with REGISTRATION=invite, but for the admin token)' }),
  })
  .meta({ id: 'CreateUser', examples: [{ username: 'alice' }, { username: 'bob', invite: 'cci_Sm9pbiB0aGUgdGVhbSBvbiB0aGlzIHNlcnZlciBwbGVhc2U' }] });
export type CreateUser = z.infer<typeof CreateUserSchema>;

const tokenName = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine((v) => v.length > 100 || isPrintable(v), PRINTABLE_MESSAGE);

export const CreateTokenSchema = z.strictObject({ name: tokenName.optional() }).meta({ id: 'CreateToken', examples: [{ name: 'laptop' }] });

export const TokenIdParamSchema = z.object({
  username: usernameSchema,
  id: z.coerce.number({ error: 'must be a number' }).int('must be an integer').positive('must be positive').max(2_147_483_647),
});

export const CreatedUserSchema = z
  .object({
    username: z.string().meta({ example: 'alice' }),
    token: z.string().meta({ example: 'ccs_Q2xhdWRlIENvZGUgU3RhdHMgU2VydmVyIHRva2VuIQ', description: 'Shown only now; keep it.' }),
    createdAt: z.string().meta({ example: '2025-06-01T09:30:00.000Z' }),
  })
  .meta({ id: 'CreatedUser' });

export const TokenInfoSchema = z
  .object({
    id: z.number().int(),
    name: z.string().meta({ example: 'laptop' }),
    prefix: z.string().meta({ example: 'ccs_Q2xhdW', description: 'The first characters of the token' }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'TokenInfo' });

export const IssuedTokenSchema = TokenInfoSchema.extend({
  token: z.string().meta({ description: 'Shown only now; keep it.' }),
}).meta({ id: 'IssuedToken' });

export const TokenListSchema = z.object({ username: z.string(), tokens: z.array(TokenInfoSchema) }).meta({ id: 'TokenList' });

export type CreatedUser = z.infer<typeof CreatedUserSchema>;
export type TokenInfo = z.infer<typeof TokenInfoSchema>;
export type IssuedToken = z.infer<typeof IssuedTokenSchema>;
export type TokenList = z.infer<typeof TokenListSchema>;

export const UserListQuerySchema = z.object({
  limit: limitParam(500, 50),
  offset: offsetParam,
  q: z
    .string()
    .max(50, 'must be at most 50 characters')
    .regex(/^[A-Za-z0-9_.-]*$/, 'may contain letters, digits, _ . - (usernames have nothing else)')
    .optional()
    .meta({ description: 'Username prefix, any case' }),
  sort: z.enum(['username', 'totalCost', 'totalTokens', 'lastDate'], { error: 'must be username, totalCost, totalTokens or lastDate' }).default('username'),
  format: formatParam,
});
export type UserListQuery = z.infer<typeof UserListQuerySchema>;

export const UserSummarySchema = z
  .object({
    username: z.string(),
    displayName: DISPLAY_NAME,
    createdAt: z.string(),
    firstDate: z.string().nullable(),
    lastDate: z.string().nullable(),
    activeDays: z.number().int(),
    totalTokens: z.number().int(),
    totalCost: HIDDEN_COST,
  })
  .meta({ id: 'UserSummary' });

export const UserListSchema = z
  .object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), users: z.array(UserSummarySchema) })
  .meta({ id: 'UserList' });
export type UserList = z.infer<typeof UserListSchema>;

const visibility = z.enum(VISIBILITIES, { error: 'must be public, teams or private' }).meta({
  description:
    'public: anyone sees the profile and the user on boards; teams: only members of a team the user is in (and the admin); private: only the user and the admin',
  example: 'teams',
});

export const PrivacySchema = z
  .object({
    username: z.string(),
    visibility,
    showCost: z.boolean().meta({ description: 'false: others see tokens but not money (null where money would be); the user and the admin still see it' }),
    displayName: z.string().nullable().meta({ description: 'Shown beside the username wherever it is listed (null: none)', example: 'Alice Martin' }),
    defaults: z
      .object({ visibility, showCost: z.boolean() })
      .meta({ description: "The server's defaults for new users (DEFAULT_VISIBILITY, DEFAULT_SHOW_COST)" }),
  })
  .meta({ id: 'Privacy' });
export type Privacy = z.infer<typeof PrivacySchema>;

export const PrivacyUpdateSchema = z
  .strictObject({
    visibility: visibility.optional(),
    showCost: z.boolean({ error: 'must be true or false' }).optional(),
    displayName: printableName(100).nullable().optional().meta({ description: '1–100 printable characters; null removes it' }),
  })
  .meta({ id: 'PrivacyUpdate', example: { visibility: 'teams', showCost: false, displayName: 'Alice Martin' } });
export type PrivacyUpdate = z.infer<typeof PrivacyUpdateSchema>;
