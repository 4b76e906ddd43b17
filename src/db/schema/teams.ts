import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, serial, timestamp, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt, users } from './core.js';

export const TEAM_VISIBILITIES = ['public', 'private'] as const;
export type TeamVisibility = (typeof TEAM_VISIBILITIES)[number];

export const TEAM_ROLES = ['owner', 'admin', 'member'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

/**
 * Teams (docs/teams.md). The slug follows the username rules and is unique without regard to
 * case, like usernames; `private` teams are seen only by their members and the admin.
 */
export const teams = pgTable(
  'teams',
  {
    id: serial('id').primaryKey(),
    slug: varchar('slug', { length: 50 }).notNull(),
    name: varchar('name', { length: 100 }).notNull(),
    description: varchar('description', { length: 500 }).default('').notNull(),
    visibility: varchar('visibility', { length: 10 }).$type<TeamVisibility>().default('public').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('teams_slug_lower_idx').on(sql`lower(${t.slug})`), check('teams_visibility_check', sql`${t.visibility} IN ('public', 'private')`)],
);

/**
 * Who belongs to which team, with their role. The primary key serves a team's member list and
 * counts (team first); the user index serves a user's teams (the caller's role in a list, and
 * what a user's deletion must hand over). Deleting a user or a team deletes their memberships.
 */
export const teamMembers = pgTable(
  'team_members',
  {
    teamId: integer('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: varchar('role', { length: 10 }).$type<TeamRole>().notNull(),
    joinedAt: timestamp('joined_at').defaultNow().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.userId] }),
    index('team_members_user_idx').on(t.userId, t.teamId),
    check('team_members_role_check', sql`${t.role} IN ('owner', 'admin', 'member')`),
  ],
);

/**
 * Invite links. Like upload tokens, only a SHA-256 of the code is kept (the code is shown once);
 * `code_prefix` tells invites apart in a list. `uses` is counted by one conditional UPDATE, so
 * concurrent acceptances never pass `max_uses`.
 */
export const teamInvites = pgTable(
  'team_invites',
  {
    id: serial('id').primaryKey(),
    teamId: integer('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    codeHash: varchar('code_hash', { length: 64 }).notNull(),
    codePrefix: varchar('code_prefix', { length: 16 }).notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    maxUses: integer('max_uses'),
    uses: integer('uses').default(0).notNull(),
    revokedAt: timestamp('revoked_at'),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('team_invites_code_hash_idx').on(t.codeHash),
    index('team_invites_team_idx').on(t.teamId, t.id),
    check('team_invites_uses_check', sql`${t.uses} >= 0 AND (${t.maxUses} IS NULL OR ${t.uses} <= ${t.maxUses})`),
  ],
);
