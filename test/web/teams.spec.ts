import type { Page } from 'playwright-core';
import { formatCost, formatInt } from '../../web/src/format.js';
import { registerUser, uniqueName, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import type { TestApp } from '../helpers/test-app.js';
import { ADMIN, client, createTeam, invite, populatedTeam } from '../teams/helpers.js';
import { browserUnavailable, REQUIRED, screenshot, useBrowserApp, refusal, expectKindsTable } from './browser.js';

/**
 * The team pages and the join-by-link flow in a real Chromium against the real service: what each
 * page shows is compared with the API's answer to the same question, and every change made on a page
 * is read back through the API.
 */
const unavailable = browserUnavailable();
if (unavailable && REQUIRED) throw new Error(`browser tests required (BROWSER_TESTS=required) but ${unavailable}`);
if (unavailable) process.stderr.write(`team browser tests skipped: ${unavailable}\n`);
const describeBrowser = unavailable ? describe.skip : describe;

interface Member {
  username: string;
  role: string;
}

/** Puts a token in the page's tab (as pasting it does) and loads the page again with it. */
async function signIn(page: Page, token: string): Promise<void> {
  await page.evaluate(`sessionStorage.setItem('ccstats.token', ${JSON.stringify(token)})`);
  await page.reload();
}

interface BoardEntry {
  rank: number;
  username: string;
  displayName: string | null;
  value: string;
  totalCost: string | null;
}

/** A board's rows as the page shows them: user, rank, ranked value, cost cell and display name. */
async function shownBoard(page: Page, scope = '') {
  return page.locator(`${scope} table.leaderboard tbody tr`).evaluateAll((rows) =>
    rows.map((r) => ({
      username: r.getAttribute('data-username'),
      rank: r.querySelector('td.rank')?.textContent,
      value: r.querySelector('td.metric')?.textContent,
      cost: r.querySelector('td.cost')?.textContent ?? null,
      costTitle: r.querySelector('td.cost [data-hidden=cost]')?.getAttribute('title') ?? null,
      displayName: r.querySelector('[data-testid=display-name]')?.textContent?.trim() ?? null,
    })),
  );
}

/**
 * The same rows worked out from the API's answer: a shared rank reads `=n`, a withheld cost the dash
 * with its reason. `costColumn` is false when the board is ranked by cost (its value is the cost).
 */
function expectedBoard(entries: BoardEntry[], metric: string) {
  return entries.map((e, i) => {
    const tied = entries.some((o, k) => k !== i && o.rank === e.rank);
    return {
      username: e.username,
      rank: tied ? `=${e.rank}` : String(e.rank),
      value: metric === 'cost' ? formatCost(e.value) : formatInt(Number(e.value)),
      cost: metric === 'cost' ? null : e.totalCost === null ? '—' : formatCost(e.totalCost),
      costTitle: metric !== 'cost' && e.totalCost === null ? 'not shown by this user' : null,
      displayName: e.displayName,
    };
  });
}

/** The member rows as the page shows them: name and role, in the page's order. */
async function shownMembers(page: Page): Promise<Member[]> {
  return page
    .locator('table.members tbody tr')
    .evaluateAll((rows) => rows.map((r) => ({ username: r.getAttribute('data-username') ?? '', role: r.getAttribute('data-role') ?? '' })));
}

describeBrowser('team pages in a browser', () => {
  let t: TestApp;
  let db: TestDatabase;
  let base: string;

  const open = useBrowserApp({ ADMIN_TOKEN: ADMIN }, (ready) => {
    ({ t, db, base } = ready);
  });

  const c = () => client(t.http);
  const apiMembers = async (slug: string, token: string = ADMIN): Promise<Member[]> => {
    const res = await c().get(`/api/v1/teams/${slug}/members?limit=500`, token);
    expect(res.status).toBe(200);
    return (res.body.members as Member[]).map((m) => ({ username: m.username, role: m.role }));
  };
  const slugsOf = async (token: string | undefined): Promise<string[]> => {
    const res = await c().get('/api/v1/teams?limit=50', token);
    expect(res.status).toBe(200);
    return (res.body.teams as Array<{ slug: string }>).map((team) => team.slug);
  };

  it('lists the teams the viewer may see; pasting a token lets one create a private team, which then opens', async () => {
    const owner = await registerUser(t.http);
    const publicSlug = await createTeam(t.http, owner.token, { visibility: 'public' });
    const page = await open('/teams');
    await page.locator('table.teams tbody tr').first().waitFor();
    expect(await page.locator('header nav a[href="/teams"]').getAttribute('aria-current')).toBe('page');
    const shown = () => page.locator('table.teams tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-slug')));
    expect(await shown()).toEqual(await slugsOf(undefined));
    expect(await shown()).toContain(publicSlug);
    // Not signed in: no form, but the token form.
    expect(await page.locator('form.create-team').count()).toBe(0);
    await page.locator('.token-form input').fill(owner.token);
    await page.locator('.token-form button').click();

    const slug = uniqueName('web-team');
    const form = page.locator('form.create-team');
    await form.locator('input[name=slug]').fill(slug);
    await form.locator('input[name=name]').fill('Platform people');
    await form.locator('textarea[name=description]').fill('Infrastructure and tooling');
    await form.locator('input[name=visibility][value=private]').check();
    await form.locator('button[type=submit]').click();
    await page.waitForURL(`${base}/teams/${slug}`);
    await page.locator('table.members tbody tr').first().waitFor();

    const team = await c().get(`/api/v1/teams/${slug}`, owner.token);
    expect(team.body).toMatchObject({ slug, name: 'Platform people', description: 'Infrastructure and tooling', visibility: 'private', role: 'owner' });
    expect(await page.locator('[data-testid=team-name]').textContent()).toBe(team.body.name);
    expect(await page.locator('[data-testid=team-description]').textContent()).toBe(team.body.description);
    expect(await page.locator('.team-header [data-testid=visibility]').getAttribute('data-value')).toBe('private');
    expect(await shownMembers(page)).toEqual(await apiMembers(slug));
    expect(await apiMembers(slug)).toEqual([{ username: owner.username, role: 'owner' }]);
    // The owner manages it: invites and settings are there.
    await page.locator('[data-testid=invites]').waitFor();
    await page.locator('[data-testid=settings]').waitFor();

    // Back on the list the private team is there for its owner, with the role; an anonymous visitor's list leaves it out.
    await page.locator('header nav a[href="/teams"]').click();
    await page.locator(`table.teams tr[data-slug="${slug}"]`).waitFor();
    expect(await shown()).toEqual(await slugsOf(owner.token));
    expect(await page.locator(`table.teams tr[data-slug="${slug}"] td.role`).textContent()).toBe('Owner');
    expect(await page.locator(`table.teams tr[data-slug="${slug}"] [data-testid=visibility]`).textContent()).toBe('Private');
    await screenshot(page, 'teams-light-desktop');
    expect(await slugsOf(undefined)).not.toContain(slug);
    const anonymous = await open('/teams');
    await anonymous.locator('table.teams tbody tr').first().waitFor();
    expect(await anonymous.locator(`tr[data-slug="${slug}"]`).count()).toBe(0);
  });

  it('an owner creates an invite link; a registered user opens it in another browser and joins; the owner promotes, then removes them', async () => {
    const [owner, bob] = [await registerUser(t.http), await registerUser(t.http)];
    const slug = await createTeam(t.http, owner.token, { name: 'Join us', visibility: 'private' });
    const page = await open(`/teams/${slug}`, { allowStatuses: [404] });
    await signIn(page, owner.token);
    const invites = page.locator('[data-testid=invites]');
    await invites.locator('select[name=expiresInHours]').selectOption('24');
    await invites.locator('input[name=maxUses]').fill('2');
    const asked = Date.now();
    await invites.locator('button[type=submit]').click();
    const link = (await page.locator('[data-testid=new-invite]').textContent())!;
    expect(link).toMatch(new RegExp(`^${base}/join/cci_[A-Za-z0-9_-]{43}$`));
    const code = link.slice(`${base}/join/`.length);
    const listed = await c().get(`/api/v1/teams/${slug}/invites`, owner.token);
    expect(listed.body.invites).toHaveLength(1);
    const [created] = listed.body.invites;
    expect(created).toMatchObject({ prefix: code.slice(0, 10), maxUses: 2, uses: 0, state: 'valid', createdBy: owner.username });
    expect(Math.abs(Date.parse(created.expiresAt) - (asked + 24 * 3_600_000))).toBeLessThan(60_000);
    const row = page.locator(`table.invite-list tr[data-invite-id="${created.id}"]`);
    await row.waitFor();
    expect([await row.getAttribute('data-state'), await row.locator('td.uses').textContent()]).toEqual(['valid', '0 of 2']);
    await screenshot(page, 'team-light-desktop');

    // Bob, in a browser of his own, not signed in: the link names the team; he joins with his token.
    const other = await open(`/join/${code}`);
    await other.locator('[data-testid=join-team]').waitFor();
    expect(await other.locator('[data-testid=join-team]').textContent()).toBe('Join Join us');
    const preview = await c().get(`/api/v1/invites/${code}`, undefined);
    expect(preview.body.usesLeft).toBe(2);
    expect(await other.locator('[data-testid=invite-validity]').textContent()).toContain('2 more uses');
    await screenshot(other, 'join-light-desktop');
    await other.locator('form.join-token input[name=token]').fill(bob.token);
    await other.locator('form.join-token button[type=submit]').click();
    await other.waitForURL(`${base}/teams/${slug}`);
    await other.locator(`table.members tr[data-username="${bob.username}"]`).waitFor();
    expect(await apiMembers(slug)).toEqual([
      { username: owner.username, role: 'owner' },
      { username: bob.username, role: 'member' },
    ]);
    expect(await shownMembers(other)).toEqual(await apiMembers(slug));
    // The token he pasted stays in his tab; the page knows whose it is.
    expect(await other.evaluate("sessionStorage.getItem('ccstats.token')")).toBe(bob.token);
    await other.locator(`tr[data-username="${bob.username}"] .you`).waitFor();
    expect(await other.locator('[data-testid=membership] p').first().textContent()).toContain('a member');
    // A member changes nothing: no role selects, no remove buttons, no invites or settings.
    expect(await other.locator('table.members select, table.members button').count()).toBe(0);
    expect(await other.locator('[data-testid=invites], [data-testid=settings]').count()).toBe(0);

    // The owner's page, read again: both members; the invite counted one use.
    await page.reload();
    await page.locator(`table.members tr[data-username="${bob.username}"]`).waitFor();
    expect(await shownMembers(page)).toEqual(await apiMembers(slug));
    expect(await page.locator(`table.invite-list tr[data-invite-id="${created.id}"] td.uses`).textContent()).toBe('1 of 2');
    await page.locator(`tr[data-username="${bob.username}"] select`).selectOption('admin');
    await page.locator(`tr[data-username="${bob.username}"][data-role=admin]`).waitFor();
    expect(await shownMembers(page)).toEqual(await apiMembers(slug));
    expect(await apiMembers(slug)).toEqual([
      { username: owner.username, role: 'owner' },
      { username: bob.username, role: 'admin' },
    ]);

    // Bob as a team admin: invites and settings, but no delete; the owner's row is not his to change.
    await other.reload();
    await other.locator('[data-testid=settings]').waitFor();
    expect(await other.locator('[data-testid=settings] .delete-team').count()).toBe(0);
    expect(await other.locator(`tr[data-username="${owner.username}"] select, tr[data-username="${owner.username}"] button`).count()).toBe(0);
    const own = other.locator(`tr[data-username="${bob.username}"] select option`);
    expect(await own.evaluateAll((options) => options.map((o) => o.getAttribute('value')))).toEqual(['admin', 'member']);

    // The owner removes him (asked once more first).
    await page.locator(`tr[data-username="${bob.username}"] button.danger`).click();
    await page.locator(`tr[data-username="${bob.username}"] button[data-confirm=yes]`).click();
    await page.locator(`tr[data-username="${bob.username}"]`).waitFor({ state: 'detached' });
    await page.locator(`tr[data-username="${owner.username}"]`).waitFor();
    expect(await apiMembers(slug)).toEqual([{ username: owner.username, role: 'owner' }]);
    expect(await shownMembers(page)).toEqual(await apiMembers(slug));
  });

  it("the team board is the API's team leaderboard row for row: ties, display names, a withheld cost, its controls and its own page in the URL, and the CSV", async () => {
    const { slug, owner, admin, member, outsider } = await populatedTeam(t.http, 'public');
    // owner and member upload the same report (a tie on every token metric); admin and the outsider a heavier one.
    for (const [who, sample] of [
      [owner, 'claude-daily.json'],
      [member, 'claude-daily.json'],
      [admin, 'heavy-claude-daily.json'],
      [outsider, 'heavy-claude-daily.json'],
    ] as const) {
      expect((await upload(t.http, who.token, fixture(sample), { device: 'laptop', tz: 'UTC' })).status).toBe(200);
    }
    const privacy = await c().patch(`/api/v1/users/${member.username}/privacy`, member.token, { showCost: false, displayName: 'Mem Ber' });
    expect(privacy.status).toBe(200);

    const page = await open(`/teams/${slug}?period=all&metric=tokens&days=all`);
    const board = page.locator('[data-testid=team-board]');
    await board.locator('table.leaderboard[data-metric=tokens] tbody tr').first().waitFor();
    const byTokens = await c().get(`/api/v1/teams/${slug}/leaderboard?period=all&metric=tokens&limit=25&sparklines=true`, undefined);
    expect(byTokens.status).toBe(200);
    const entries = byTokens.body.entries as BoardEntry[];
    // The API's answer is what the test expects of it: the three members, the tie, the withheld cost.
    expect(entries.map((e) => e.username).sort()).toEqual([owner.username, admin.username, member.username].sort());
    expect(entries.find((e) => e.username === owner.username)!.rank).toBe(entries.find((e) => e.username === member.username)!.rank);
    expect(entries.find((e) => e.username === member.username)).toMatchObject({ totalCost: null, displayName: 'Mem Ber' });
    expect(await shownBoard(page, '[data-testid=team-board]')).toEqual(expectedBoard(entries, 'tokens'));
    expect(await board.locator('[data-testid=range]').textContent()).toContain(`${byTokens.body.total} users`);
    expect(await board.locator('svg.sparkline[data-points="30"]').count()).toBe(entries.length);
    // The summary over all time: the API's totals, with the member's money left out and said so.
    const summary = await c().get(`/api/v1/teams/${slug}/summary`, undefined);
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ members: 3, membersCounted: 3, costMembersCounted: 2, activeMembers: 3 });
    const totals = page.locator('[data-testid=team-totals]');
    await totals.waitFor();
    const statOf = (label: string) => totals.locator('.stat').filter({ has: page.locator(`.stat-label:text-is("${label}")`) });
    expect(await statOf('Members').locator('.stat-value').textContent()).toBe(formatInt(summary.body.members));
    expect(await statOf('Active members').locator('.stat-value').textContent()).toBe(formatInt(summary.body.activeMembers));
    expect(await statOf('Tokens').getAttribute('title')).toBe(formatInt(summary.body.totals.totalTokens));
    expect(await statOf('Cost').locator('.stat-value').textContent()).toBe(formatCost(summary.body.totals.totalCost));
    expect(await statOf('Top model').locator('.stat-value').textContent()).toBe(summary.body.topModel.model);
    expect(await statOf('Top user by cost').locator('.stat-value a').textContent()).toBe(summary.body.topUser.username);
    expect(await page.locator('[data-testid=team-counted]').textContent()).toBe('Cost counts 2 of them: the others do not show their cost.');
    // Its series by month over the summary's bounds, as the API has it.
    const series = await c().get(`/api/v1/teams/${slug}/series?from=${summary.body.from}&to=${summary.body.to}&granularity=month`, undefined);
    expect(series.status).toBe(200);
    const chart = page.locator('[data-chart=team-tokens]');
    await chart.waitFor();
    // Every month from the summary's first day to its last, counted on their own.
    const monthOf = (day: string) => Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7));
    expect(Number(await chart.getAttribute('data-points'))).toBe(monthOf(summary.body.to) - monthOf(summary.body.from) + 1);
    await expectKindsTable(chart, series.body.rows);
    expect(await page.locator('[data-chart=team-tokens] a.csv').getAttribute('href')).toBe(
      `/api/v1/teams/${slug}/series?from=${summary.body.from}&to=${summary.body.to}&granularity=month&format=csv`,
    );

    // The member list shows the display name too.
    expect(await page.locator(`table.members tr[data-username="${member.username}"] [data-testid=display-name]`).textContent()).toBe(' Mem Ber');

    // Ranked by cost: the member who hides their cost is left out, as the API does.
    await board.locator('nav[aria-label="Ranked by"] a[data-value=cost]').click();
    await board.locator('table.leaderboard[data-metric=cost]').waitFor();
    expect(new URL(page.url()).searchParams.get('metric')).toBe('cost');
    const byCost = await c().get(`/api/v1/teams/${slug}/leaderboard?period=all&metric=cost&limit=25`, undefined);
    expect((byCost.body.entries as BoardEntry[]).map((e) => e.username)).not.toContain(member.username);
    expect(await shownBoard(page, '[data-testid=team-board]')).toEqual(expectedBoard(byCost.body.entries, 'cost'));
    const csvHref = await board.locator('a.csv').getAttribute('href');
    expect(csvHref).toBe(`/api/v1/teams/${slug}/leaderboard?period=all&metric=cost&limit=25&offset=0&format=csv`);
    const csv = await c().get(csvHref!, undefined);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const csvNames = csv.text
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((line) => line.split(',')[1]);
    expect(csvNames).toEqual((byCost.body.entries as BoardEntry[]).map((e) => e.username));

    // The board pages with its own parameter: `page` stays the member list's.
    const paged = await open(`/teams/${slug}?period=all&metric=tokens&boardPage=2`);
    const pagedBoard = paged.locator('[data-testid=team-board]');
    await pagedBoard.locator('.pager span').waitFor();
    expect(await pagedBoard.locator('.pager span').textContent()).toBe('Page 2 of 1');
    expect(await pagedBoard.locator('table.leaderboard').count()).toBe(0);
    await paged.locator('table.members tbody tr').first().waitFor();
    expect((await shownMembers(paged)).map((m) => m.username).sort()).toEqual((await apiMembers(slug)).map((m) => m.username).sort());
    await pagedBoard.locator('.pager a[rel=prev]').click();
    await pagedBoard.locator('table.leaderboard tbody tr').first().waitFor();
    expect(new URL(paged.url()).searchParams.has('boardPage')).toBe(false);
    expect(await shownBoard(paged, '[data-testid=team-board]')).toEqual(expectedBoard(entries, 'tokens'));
    await screenshot(page, 'team-board-light-desktop');
  });

  it('revoked, expired, used-up and unknown invite links say why they admit nobody', async () => {
    const [owner, carol] = [await registerUser(t.http), await registerUser(t.http)];
    const slug = await createTeam(t.http, owner.token);
    const revoked = await invite(t.http, slug, owner.token);
    const expired = await invite(t.http, slug, owner.token);
    const usedUp = await invite(t.http, slug, owner.token, { maxUses: 1 });
    expect((await c().post(`/api/v1/invites/${usedUp.code}/accept`, carol.token)).status).toBe(201);
    // Expiry is judged by the database's clock: move this one's into the past.
    await db.query(`UPDATE team_invites SET expires_at = now() - interval '1 hour' WHERE id = $1`, [expired.id]);

    // The owner revokes one on the team page; the list shows every state as the API has it.
    const page = await open(`/teams/${slug}`);
    await signIn(page, owner.token);
    await page.locator(`table.invite-list tr[data-invite-id="${revoked.id}"] button`).click();
    await page.locator(`table.invite-list tr[data-invite-id="${revoked.id}"][data-state=revoked]`).waitFor();
    const listed = await c().get(`/api/v1/teams/${slug}/invites`, owner.token);
    const states = Object.fromEntries((listed.body.invites as Array<{ id: number; state: string }>).map((i) => [i.id, i.state]));
    expect(states).toEqual({ [revoked.id]: 'revoked', [expired.id]: 'expired', [usedUp.id]: 'used-up' });
    for (const [id, state] of Object.entries(states)) {
      expect(await page.locator(`table.invite-list tr[data-invite-id="${id}"]`).getAttribute('data-state')).toBe(state);
      expect(await page.locator(`table.invite-list tr[data-invite-id="${id}"] button`).count()).toBe(0);
    }

    const words: Record<string, RegExp> = { revoked: /revoked/i, expired: /expired/i, 'used-up': /used as many times as it allows/i };
    for (const code of [revoked.code, expired.code, usedUp.code]) {
      const answer = await c().get(`/api/v1/invites/${code}`, undefined);
      expect(answer.status).toBe(410);
      const join = await open(`/join/${code}`, { allowStatuses: [410] });
      const problem = join.locator('[data-testid=invite-problem]');
      await problem.waitFor();
      expect(await problem.getAttribute('data-reason')).toBe(answer.body.reason);
      expect(await problem.textContent()).toMatch(words[answer.body.reason as string]);
      // Nothing to register or join with.
      expect(await join.locator('form.join-register, form.join-token, button.join').count()).toBe(0);
    }
    const unknown = await open(`/join/cci_${'A'.repeat(43)}`, { allowStatuses: [404] });
    await unknown.locator('[data-testid=invite-problem][data-reason=unknown]').waitFor();
    expect((await c().get(`/api/v1/invites/cci_${'A'.repeat(43)}`, undefined)).status).toBe(404);
    // Not even shaped like a code (a `!` no code contains): the API refuses it as malformed.
    expect((await c().get('/api/v1/invites/not!an!invite', undefined)).status).toBe(400);
    const malformed = await open('/join/not!an!invite', { allowStatuses: [400] });
    await malformed.locator('[data-testid=invite-problem][data-reason=malformed]').waitFor();
  });

  it('a signed-in user joins with one click; the last owner may not leave (the 409 explained) nor demote themself; a member leaves', async () => {
    const [owner, bob] = [await registerUser(t.http), await registerUser(t.http)];
    const slug = await createTeam(t.http, owner.token, { name: 'Leavers', visibility: 'public' });
    const { code } = await invite(t.http, slug, owner.token);
    const join = await open(`/join/${code}`);
    await signIn(join, bob.token);
    await join.locator('button.join').click();
    await join.waitForURL(`${base}/teams/${slug}`);
    await join.locator(`tr[data-username="${bob.username}"] .you`).waitFor();
    expect(await apiMembers(slug)).toEqual([
      { username: owner.username, role: 'owner' },
      { username: bob.username, role: 'member' },
    ]);

    const page = await open(`/teams/${slug}`, { allowStatuses: [409] });
    await signIn(page, owner.token);
    await page.locator(`tr[data-username="${owner.username}"] .you`).waitFor();
    await page.locator('[data-testid=membership] button.danger').click();
    await page.locator('[data-testid=membership] button[data-confirm=yes]').click();
    const refused = page.locator('[data-testid=leave-refused]');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('last owner');
    const leave = await c().del(`/api/v1/teams/${slug}/members/${owner.username}`, owner.token);
    expect(leave.status).toBe(409);
    expect(await refused.textContent()).toContain(leave.body.detail);
    await page.locator(`tr[data-username="${owner.username}"] select`).selectOption('member');
    await page.locator('[data-testid=members-problem]').waitFor();
    expect(await page.locator('[data-testid=members-problem]').textContent()).toContain('last owner');
    expect(await apiMembers(slug)).toEqual([
      { username: owner.username, role: 'owner' },
      { username: bob.username, role: 'member' },
    ]);
    expect(await page.locator(`tr[data-username="${owner.username}"] select`).inputValue()).toBe('owner');

    const other = await open(`/teams/${slug}`);
    await signIn(other, bob.token);
    await other.locator('[data-testid=membership] button.danger').click();
    await other.locator('[data-testid=membership] button[data-confirm=yes]').click();
    await other.waitForURL(`${base}/teams`);
    expect(await apiMembers(slug)).toEqual([{ username: owner.username, role: 'owner' }]);
  });

  it('a private team is "not found" to outsiders, anonymous or signed in, exactly as a team that does not exist', async () => {
    const [owner, outsider] = [await registerUser(t.http), await registerUser(t.http)];
    const slug = await createTeam(t.http, owner.token, { visibility: 'private' });
    const missing = uniqueName('no-team');
    for (const token of [undefined, outsider.token]) {
      expect((await c().get(`/api/v1/teams/${slug}`, token)).status).toBe(404);
      const texts: string[] = [];
      for (const s of [slug, missing]) {
        // Without a token the page offers to paste one (a member's would show the team).
        const text = await refusal(open, `/teams/${s}`, token, { allowStatuses: [404], failure: '.failure', absent: '[data-testid=members]' });
        texts.push(text.replace(s, '<slug>'));
      }
      expect(texts[0]).toMatch(/^Not found\./);
      expect(texts[0]).toBe(texts[1]);
    }
    // Its owner sees it; the admin token manages it (invites and settings) without being a member.
    const admin = await open(`/teams/${slug}`, { allowStatuses: [404] });
    await signIn(admin, ADMIN);
    await admin.locator('[data-testid=invites]').waitFor();
    await admin.locator('[data-testid=settings] .delete-team').waitFor();
    expect(await admin.locator('[data-testid=membership]').count()).toBe(0);
  });

  it('settings: a new name, description and visibility are saved; the owner deletes the team', async () => {
    const owner = await registerUser(t.http);
    const slug = await createTeam(t.http, owner.token, { visibility: 'private' });
    const page = await open(`/teams/${slug}`, { allowStatuses: [404] });
    await signIn(page, owner.token);
    const settings = page.locator('[data-testid=settings]');
    await settings.locator('input[name=name]').fill('Renamed team');
    await settings.locator('textarea[name=description]').fill('Now public');
    await settings.locator('input[name=visibility][value=public]').check();
    await settings.locator('button[type=submit]').click();
    await page.locator('[data-testid=settings-saved]').waitFor();
    const team = await c().get(`/api/v1/teams/${slug}`, undefined);
    expect(team.status).toBe(200);
    expect(team.body).toMatchObject({ name: 'Renamed team', description: 'Now public', visibility: 'public' });
    expect(await page.locator('[data-testid=team-name]').textContent()).toBe('Renamed team');
    expect(await page.locator('.team-header [data-testid=visibility]').getAttribute('data-value')).toBe('public');

    await settings.locator('.delete-team button.danger').click();
    await settings.locator('.delete-team button[data-confirm=yes]').click();
    await page.waitForURL(`${base}/teams`);
    expect((await c().get(`/api/v1/teams/${slug}`, ADMIN)).status).toBe(404);
  });
});

describeBrowser('joining by link on a server where only invitees register (REGISTRATION=invite)', () => {
  let t: TestApp;
  let base: string;

  const open = useBrowserApp({ ADMIN_TOKEN: ADMIN, REGISTRATION: 'invite' }, (ready) => {
    ({ t, base } = ready);
  });

  it('a new user registers with the invite: the token is shown once and kept in the tab, and the team page shows both members', async () => {
    const c = client(t.http);
    const owner = await registerUser(t.http, uniqueName(), ADMIN);
    const slug = await createTeam(t.http, owner.token, { name: 'Company', visibility: 'private' });
    const { code } = await invite(t.http, slug, owner.token, { maxUses: 1 });

    // Without an invite, Get started's registration is refused, saying why.
    const start = await open('/start', { allowStatuses: [403] });
    await start.locator('form.register input[name=username]').fill(uniqueName());
    await start.locator('form.register button').click();
    const refused = await c.post('/api/v1/users', undefined, { username: uniqueName() });
    expect(refused.status).toBe(403);
    await start.locator('form.register .failure', { hasText: refused.body.detail }).waitFor();

    const page = await open(`/join/${code}`);
    await page.locator('[data-testid=join-team]').waitFor();
    const name = uniqueName('newcomer');
    await page.locator('form.join-register input[name=username]').fill(name);
    await page.locator('form.join-register button[type=submit]').click();
    const token = (await page.locator('[data-testid=new-token]').textContent())!;
    expect(token).toMatch(/^ccs_/);
    expect(await page.locator('[data-testid=welcome]').textContent()).toContain(name);
    expect(await page.evaluate("[sessionStorage.getItem('ccstats.token'), localStorage.length]")).toEqual([token, 0]);
    // The token is the new user's, and a member's.
    const mine = await c.get(`/api/v1/teams/${slug}`, token);
    expect(mine.body).toMatchObject({ role: 'member', memberCount: 2 });
    const members = await c.get(`/api/v1/teams/${slug}/members`, token);
    expect(members.body.members.map((m: Member) => [m.username, m.role])).toEqual([
      [owner.username, 'owner'],
      [name, 'member'],
    ]);

    await page.locator('[data-testid=to-team]').click();
    await page.waitForURL(`${base}/teams/${slug}`);
    await page.locator(`table.members tr[data-username="${name}"] .you`).waitFor();
    expect(await shownMembers(page)).toEqual(members.body.members.map((m: Member) => ({ username: m.username, role: m.role })));

    // The invite allowed one use: the next person is told it is used up.
    const late = await open(`/join/${code}`, { allowStatuses: [410] });
    await late.locator('[data-testid=invite-problem][data-reason=used-up]').waitFor();
  });
});
