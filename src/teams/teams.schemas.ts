import { z } from 'zod';
import { DISPLAY_NAME, formatParam, limitParam, offsetParam } from '../common/schema-parts.js';
import { isPrintable, PRINTABLE_MESSAGE, printableName } from '../common/text.js';
import { TEAM_ROLES, TEAM_VISIBILITIES } from '../db/schema.js';
import { USERNAME_PATTERN, usernameSchema } from '../directory/username.js';
import { LeaderboardSchema } from '../usage/stats.schemas.js';
import { inviteCodeSchema, RESERVED_USERNAMES } from '../users/users.schemas.js';

/** A team's slug: the username rules (1–50 characters, letters, digits, _ . -), unique without regard to case. */
export const slugSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(50, 'must be at most 50 characters')
  .regex(USERNAME_PATTERN, 'may contain letters, digits, _ . - and must start with a letter or digit')
  .meta({ example: 'platform-team' });

const description = z
  .string({ error: 'must be a string' })
  .max(500, 'must be at most 500 characters')
  .refine((v) => v === '' || v.length > 500 || isPrintable(v), PRINTABLE_MESSAGE);

const visibility = z.enum(TEAM_VISIBILITIES, { error: 'must be public or private' });
const role = z.enum(TEAM_ROLES, { error: 'must be owner, admin or member' });

export const SlugParamSchema = z.object({ slug: slugSchema });
export const MemberParamSchema = z.object({ slug: slugSchema, username: usernameSchema });
export const InviteIdParamSchema = z.object({
  slug: slugSchema,
  id: z.coerce.number({ error: 'must be a number' }).int('must be an integer').positive('must be positive').max(2_147_483_647),
});
export const InviteCodeParamSchema = z.object({ code: inviteCodeSchema });

export const CreateTeamSchema = z
  .strictObject({
    slug: slugSchema.refine((slug) => !RESERVED_USERNAMES.has(slug.toLowerCase()), 'is reserved; choose another slug'),
    name: printableName(100),
    description: description.optional(),
    visibility: visibility.default('public'),
  })
  .meta({
    id: 'CreateTeam',
    examples: [{ slug: 'platform-team', name: 'Platform team', description: 'Infrastructure and tooling', visibility: 'private' }],
  });
export type CreateTeam = z.infer<typeof CreateTeamSchema>;

export const CreateTeamQuerySchema = z.object({
  owner: usernameSchema.optional().meta({ description: 'With the admin token (required then): the user who will own the team' }),
});

export const UpdateTeamSchema = z
  .strictObject({ name: printableName(100).optional(), description: description.optional(), visibility: visibility.optional() })
  .refine((v) => v.name !== undefined || v.description !== undefined || v.visibility !== undefined, 'must change at least one of name, description, visibility')
  .meta({ id: 'UpdateTeam', examples: [{ name: 'Platform', visibility: 'public' }] });
export type UpdateTeam = z.infer<typeof UpdateTeamSchema>;

export const UpdateMemberSchema = z.strictObject({ role }).meta({ id: 'UpdateMember', examples: [{ role: 'admin' }] });

export const CreateInviteSchema = z
  .strictObject({
    expiresInHours: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(720, 'must be at most 720 (30 days)')
      .default(168),
    maxUses: z.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1').max(10_000, 'must be at most 10000').optional(),
  })
  .meta({ id: 'CreateInvite', examples: [{ expiresInHours: 48, maxUses: 10 }] });
export type CreateInvite = z.infer<typeof CreateInviteSchema>;

export const TeamListQuerySchema = z.object({
  limit: limitParam(500, 50),
  offset: offsetParam,
  q: z
    .string()
    .max(50, 'must be at most 50 characters')
    .regex(/^[A-Za-z0-9_.-]*$/, 'may contain letters, digits, _ . - (slugs have nothing else)')
    .optional()
    .meta({ description: 'Slug prefix, any case' }),
  format: formatParam,
});
export type TeamListQuery = z.infer<typeof TeamListQuerySchema>;

export const PageQuerySchema = z.object({ limit: limitParam(500, 50), offset: offsetParam, format: formatParam });
export type PageQuery = z.infer<typeof PageQuerySchema>;

const iso = z.string().meta({ example: '2025-06-01T09:30:00.000Z' });
const roleOrNone = role.nullable().meta({ description: "The caller's role in the team; null when the caller is not a member (or is the admin)" });

export const TeamSchema = z
  .object({
    slug: z.string().meta({ example: 'platform-team' }),
    name: z.string().meta({ example: 'Platform team' }),
    description: z.string().meta({ example: 'Infrastructure and tooling' }),
    visibility: visibility.meta({ description: 'public: anyone sees the team and its members; private: its members and the admin only' }),
    memberCount: z.number().int().meta({ example: 12 }),
    role: roleOrNone,
    createdAt: iso,
    updatedAt: iso,
  })
  .meta({ id: 'Team' });
export type Team = z.infer<typeof TeamSchema>;

export const TeamListSchema = z
  .object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), teams: z.array(TeamSchema) })
  .meta({ id: 'TeamList' });
export type TeamList = z.infer<typeof TeamListSchema>;

export const TeamMemberSchema = z
  .object({ username: z.string().meta({ example: 'alice' }), displayName: DISPLAY_NAME, role, joinedAt: iso })
  .meta({ id: 'TeamMember' });
export type TeamMember = z.infer<typeof TeamMemberSchema>;

export const TeamMemberListSchema = z
  .object({
    team: z.string().meta({ example: 'platform-team' }),
    total: z.number().int().meta({
      description:
        "Members listed to this caller: all of them for the team's owners and admins and the admin, else the members the caller may see (docs/privacy.md)",
    }),
    limit: z.number().int(),
    offset: z.number().int(),
    members: z.array(TeamMemberSchema),
  })
  .meta({ id: 'TeamMemberList' });
export type TeamMemberList = z.infer<typeof TeamMemberListSchema>;

export const InviteInfoSchema = z
  .object({
    id: z.number().int(),
    prefix: z.string().meta({ example: 'cci_Sm9pbi', description: 'The first characters of the code' }),
    expiresAt: iso,
    maxUses: z.number().int().nullable().meta({ description: 'null: no limit' }),
    uses: z.number().int(),
    revokedAt: z.string().nullable(),
    createdAt: iso,
    createdBy: z.string().nullable().meta({ description: 'Who created it; null for the admin token or a deleted user' }),
    state: z.enum(['valid', 'expired', 'revoked', 'used-up']),
  })
  .meta({ id: 'InviteInfo' });
export type InviteInfo = z.infer<typeof InviteInfoSchema>;

export const IssuedInviteSchema = InviteInfoSchema.extend({
  code: inviteCodeSchema.meta({ description: 'Shown only now; keep it (only its hash is stored).' }),
  url: z.string().meta({ example: '/join/cci_Sm9pbiB0aGUgdGVhbSBvbiB0aGlzIHNlcnZlciBwbGVhc2U', description: "The join link's path on this server" }),
  team: z.string().meta({ example: 'platform-team' }),
}).meta({ id: 'IssuedInvite' });
export type IssuedInvite = z.infer<typeof IssuedInviteSchema>;

export const InviteListSchema = z
  .object({ team: z.string(), total: z.number().int(), limit: z.number().int(), offset: z.number().int(), invites: z.array(InviteInfoSchema) })
  .meta({ id: 'InviteList' });
export type InviteList = z.infer<typeof InviteListSchema>;

export const InvitePreviewSchema = z
  .object({
    team: z.object({ slug: z.string().meta({ example: 'platform-team' }), name: z.string().meta({ example: 'Platform team' }), description: z.string() }),
    valid: z.literal(true),
    expiresAt: iso,
    usesLeft: z.number().int().nullable().meta({ description: 'null: no limit' }),
  })
  .meta({ id: 'InvitePreview' });
export type InvitePreview = z.infer<typeof InvitePreviewSchema>;

export const JoinedTeamSchema = z
  .object({ joined: z.boolean().meta({ description: 'false: the caller was a member already (nothing changed, no use counted)' }), team: TeamSchema })
  .meta({ id: 'JoinedTeam' });
export type JoinedTeam = z.infer<typeof JoinedTeamSchema>;

export const TeamLeaderboardSchema = LeaderboardSchema.extend({
  team: z.string().meta({ description: "The team's slug", example: 'platform' }),
}).meta({
  id: 'TeamLeaderboard',
  description:
    "The community leaderboard restricted to the team's members: each member's usage over the whole period counts, whatever the day they joined. " +
    'Members the caller may not see are left out (docs/privacy.md).',
});
export type TeamLeaderboard = z.infer<typeof TeamLeaderboardSchema>;
