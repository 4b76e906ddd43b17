/**
 * The team pages' rules, kept apart from the views so they can be unit-tested: what the viewer may
 * do to a member (docs/teams.md, "Who may do what"), and invites in words. The server enforces every
 * rule itself; these only decide which controls a page offers, so nobody is shown a button that can
 * only answer 403.
 */
export type TeamRole = 'owner' | 'admin' | 'member';

/** What the viewer is to a team: a member with a role, the server's admin token, or nobody (anonymous or an outsider). */
export type Standing = TeamRole | 'server-admin' | null;

export const ROLES: ReadonlyArray<readonly [TeamRole, string]> = [
  ['owner', 'Owner'],
  ['admin', 'Admin'],
  ['member', 'Member'],
];

/** Owners, team admins and the admin token change settings and manage invites and members. */
export function canManage(standing: Standing): boolean {
  return standing === 'owner' || standing === 'admin' || standing === 'server-admin';
}

/** Only owners and the admin token delete a team. */
export function canDelete(standing: Standing): boolean {
  return standing === 'owner' || standing === 'server-admin';
}

/**
 * The roles the viewer may give a member (empty: the role is only shown) and whether they may remove
 * them. Owners and the admin token set any role and remove anyone; team admins switch members between
 * member and admin and remove members, never touching an owner. Nobody removes themself here: that is
 * leaving, which has its own button. The last owner's demotion is the server's to refuse (409): the
 * page may not hold every member to count the owners.
 */
export function memberActions(standing: Standing, target: { role: TeamRole; self: boolean }): { roles: TeamRole[]; remove: boolean } {
  if (standing === 'owner' || standing === 'server-admin') return { roles: ['owner', 'admin', 'member'], remove: !target.self };
  if (standing === 'admin' && target.role !== 'owner') return { roles: ['admin', 'member'], remove: !target.self && target.role === 'member' };
  return { roles: [], remove: false };
}

export type InviteState = 'valid' | 'expired' | 'revoked' | 'used-up';

/** Why an invite link no longer admits anyone, from the `reason` of the API's 410; undefined for a reason this page does not know. */
export function goneReason(reason: string | undefined): string | undefined {
  switch (reason) {
    case 'expired':
      return 'This invite link has expired.';
    case 'revoked':
      return 'This invite link was revoked by the team.';
    case 'used-up':
      return 'This invite link has been used as many times as it allows.';
    default:
      return undefined;
  }
}

/** How many more people an invite admits: "unlimited", "1 more use", "3 more uses". */
export function usesLeft(left: number | null): string {
  if (left === null) return 'unlimited uses';
  return `${left} more ${left === 1 ? 'use' : 'uses'}`;
}

/** The expiries offered when creating an invite, in hours (the API takes 1 to 720; 168 is its default). */
export const INVITE_EXPIRIES: ReadonlyArray<readonly [number, string]> = [
  [1, '1 hour'],
  [24, '1 day'],
  [72, '3 days'],
  [168, '7 days'],
  [336, '14 days'],
  [720, '30 days'],
];

/**
 * The use limit typed into the invite form: blank is no limit, a whole number from 1 to 10,000 is a
 * limit, anything else is refused (the form says so instead of sending it).
 */
export function parseMaxUses(text: string): { ok: true; value: number | undefined } | { ok: false } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: undefined };
  if (!/^\d{1,5}$/.test(trimmed)) return { ok: false };
  const value = Number(trimmed);
  return value >= 1 && value <= 10_000 ? { ok: true, value } : { ok: false };
}

/** The join link as a person copies it: this origin and the path the API answered (`/join/<code>`). */
export function joinLink(origin: string, path: string): string {
  return `${origin.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}

/** An invite's state as the list shows it. */
export function inviteStateLabel(state: InviteState): string {
  switch (state) {
    case 'valid':
      return 'Valid';
    case 'expired':
      return 'Expired';
    case 'revoked':
      return 'Revoked';
    case 'used-up':
      return 'Used up';
  }
}
