import { CreateInviteSchema, InviteInfoSchema } from '../../src/teams/teams.schemas.js';
import {
  canDelete,
  canManage,
  goneReason,
  INVITE_EXPIRIES,
  inviteStateLabel,
  joinLink,
  memberActions,
  parseMaxUses,
  type Standing,
  type TeamRole,
  usesLeft,
} from '../../web/src/teams.js';

/** The team pages' rules: what a page offers follows docs/teams.md's table, and its checks agree with the API's own schemas. */
describe('dashboard team rules', () => {
  // docs/teams.md, "Who may do what": change a member's role, remove a member (leaving is its own button).
  const table: Array<[Standing, TeamRole, boolean, TeamRole[], boolean]> = [
    // viewer, target's role, target is the viewer, roles offered, remove offered
    ['owner', 'owner', false, ['owner', 'admin', 'member'], true],
    ['owner', 'admin', false, ['owner', 'admin', 'member'], true],
    ['owner', 'member', false, ['owner', 'admin', 'member'], true],
    ['owner', 'owner', true, ['owner', 'admin', 'member'], false],
    ['server-admin', 'owner', false, ['owner', 'admin', 'member'], true],
    ['server-admin', 'member', false, ['owner', 'admin', 'member'], true],
    ['admin', 'owner', false, [], false],
    ['admin', 'admin', false, ['admin', 'member'], false],
    ['admin', 'member', false, ['admin', 'member'], true],
    ['admin', 'admin', true, ['admin', 'member'], false],
    ['member', 'owner', false, [], false],
    ['member', 'member', false, [], false],
    ['member', 'member', true, [], false],
    [null, 'owner', false, [], false],
    [null, 'member', false, [], false],
  ];
  test.each(table)('%s viewing a %s (self: %s) may set %j, remove: %s', (standing, role, self, roles, remove) => {
    expect(memberActions(standing, { role, self })).toEqual({ roles, remove });
  });

  it('settings and invites are for owners, team admins and the admin token; deleting for owners and the admin token', () => {
    const standings: Standing[] = ['owner', 'admin', 'member', 'server-admin', null];
    expect(standings.filter(canManage)).toEqual(['owner', 'admin', 'server-admin']);
    expect(standings.filter(canDelete)).toEqual(['owner', 'server-admin']);
  });

  it('every state the API gives an invite has words, and every state that admits nobody says why', () => {
    const states = InviteInfoSchema.shape.state.options;
    expect(states).toContain('valid');
    for (const state of states) {
      expect(inviteStateLabel(state)).toMatch(/^[A-Z][a-z ]+$/);
      if (state !== 'valid') expect(goneReason(state)).toMatch(/^This invite link .+\.$/);
    }
    expect(new Set(states.map(inviteStateLabel)).size).toBe(states.length);
    expect(goneReason('valid')).toBeUndefined();
    expect(goneReason(undefined)).toBeUndefined();
    expect(goneReason('something-new')).toBeUndefined();
  });

  it('the use limit the form accepts is exactly what the API accepts', () => {
    for (const text of ['0', '1', '2', '9999', '10000', '10001', '99999', '-1', '1.5', '1e3', ' 7 ', 'ten', '007', '']) {
      const parsed = parseMaxUses(text);
      const body = text.trim() === '' ? {} : { maxUses: Number(text) };
      const api = CreateInviteSchema.safeParse(body);
      // The form refuses what is not plainly a whole number, even where Number() would read one.
      const plain = /^\s*\d+\s*$/.test(text) || text.trim() === '';
      expect([text, parsed.ok]).toEqual([text, api.success && plain]);
      if (parsed.ok) expect(parsed.value).toBe(api.data?.maxUses);
    }
  });

  it('every expiry offered is one the API accepts, its default among them', () => {
    for (const [hours] of INVITE_EXPIRIES) expect(CreateInviteSchema.safeParse({ expiresInHours: hours }).success).toBe(true);
    const fallback = CreateInviteSchema.parse({}).expiresInHours;
    expect(INVITE_EXPIRIES.map(([h]) => h)).toContain(fallback);
  });

  it('the join link is this origin and the path the API answered', () => {
    expect(joinLink('https://stats.example.com', '/join/cci_abc')).toBe('https://stats.example.com/join/cci_abc');
    expect(joinLink('http://127.0.0.1:3000/', '/join/cci_abc')).toBe('http://127.0.0.1:3000/join/cci_abc');
    expect(joinLink('http://h', 'join/x')).toBe('http://h/join/x');
  });

  it('uses left in words', () => {
    expect([usesLeft(null), usesLeft(0), usesLeft(1), usesLeft(2)]).toEqual(['unlimited uses', '0 more uses', '1 more use', '2 more uses']);
  });
});
