import type { Page } from 'playwright-core';
import { formatCompact, formatCost, formatInt } from '../../web/src/format.js';
import { registerUser, uniqueName, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestApp } from '../helpers/test-app.js';
import { ADMIN, client, createTeam, invite, type Who } from '../teams/helpers.js';
import { browserUnavailable, REQUIRED, screenshot, signIn, useBrowserApp, refusal } from './browser.js';

/**
 * Who sees whose numbers, in a real Chromium against the real service (docs/privacy.md): what each
 * viewer's page shows is compared with the API's answer to that viewer, and a change of settings made
 * on the owner's profile is read back through the API.
 */
const unavailable = browserUnavailable();
if (unavailable && REQUIRED) throw new Error(`browser tests required (BROWSER_TESTS=required) but ${unavailable}`);
if (unavailable) process.stderr.write(`privacy browser tests skipped: ${unavailable}\n`);
const describeBrowser = unavailable ? describe.skip : describe;

type User = { username: string; token: string };

interface Entry {
  username: string;
  displayName: string | null;
  totalCost: string | null;
}

/** The board's rows as shown: user, display name, cost cell and whether it is marked as withheld. */
async function shownRows(page: Page) {
  return page.locator('table.leaderboard tbody tr').evaluateAll((rows) =>
    rows.map((r) => ({
      username: r.getAttribute('data-username'),
      displayName: r.querySelector('[data-testid=display-name]')?.textContent?.trim() ?? null,
      cost: r.querySelector('td.cost')?.textContent ?? null,
      costTitle: r.querySelector('td.cost [data-hidden=cost]')?.getAttribute('title') ?? null,
    })),
  );
}

/** The same, worked out from the API's entries (a leaderboard ranked by tokens, which has a cost column). */
function expectedRows(entries: Entry[]) {
  return entries.map((e) => ({
    username: e.username,
    displayName: e.displayName,
    cost: e.totalCost === null ? '—' : formatCost(e.totalCost),
    costTitle: e.totalCost === null ? 'not shown by this user' : null,
  }));
}

/** A profile's stat by its label. */
const stat = (page: Page, label: string) => page.locator('[data-testid=totals] .stat').filter({ has: page.locator(`.stat-label:text-is("${label}")`) });

describeBrowser('privacy in a browser', () => {
  let t: TestApp;
  // pub: public; priv: private; teamy: teams only, in a team with mate; coy: public, hides their cost, with a display name.
  const u: Record<'pub' | 'priv' | 'teamy' | 'mate' | 'coy' | 'outsider', User> = {} as never;

  const open = useBrowserApp({ ADMIN_TOKEN: ADMIN }, (ready) => {
    t = ready.t;
  });

  const c = () => client(t.http);
  const api = async (path: string, token: Who) => {
    const res = await c().get(path, token);
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    for (const name of Object.keys({ pub: 0, priv: 0, teamy: 0, mate: 0, coy: 0, outsider: 0 }) as Array<keyof typeof u>)
      u[name] = await registerUser(t.http, uniqueName(name));
    for (const [who, sample] of [
      [u.pub, 'claude-daily.json'],
      [u.priv, 'heavy-claude-daily.json'],
      [u.teamy, 'claude-daily-breakdown.json'],
      [u.mate, 'claude-daily.json'],
      [u.coy, 'heavy-claude-daily.json'],
    ] as const) {
      expect((await upload(t.http, who.token, fixture(sample), { device: 'laptop', tz: 'UTC' })).status).toBe(200);
    }
    for (const [who, body] of [
      [u.priv, { visibility: 'private' }],
      [u.teamy, { visibility: 'teams', displayName: 'Team Y' }],
      [u.coy, { showCost: false, displayName: 'Coy Person' }],
    ] as const) {
      expect((await c().patch(`/api/v1/users/${who.username}/privacy`, who.token, body)).status).toBe(200);
    }
    const slug = await createTeam(t.http, u.teamy.token, { visibility: 'private' });
    const { code } = await invite(t.http, slug, u.teamy.token);
    expect((await c().post(`/api/v1/invites/${code}/accept`, u.mate.token)).status).toBe(201);
  });

  it("an outsider's browser shows neither a private nor a teams-only user, on the board or as a profile; a teammate's shows the teams-only one", async () => {
    for (const token of [undefined, u.outsider.token]) {
      const board = await api('/api/v1/leaderboard?period=all&metric=tokens&limit=25', token);
      const names = (board.entries as Entry[]).map((e) => e.username);
      expect(names).toEqual(expect.arrayContaining([u.pub.username, u.coy.username, u.mate.username]));
      expect(names).not.toContain(u.priv.username);
      expect(names).not.toContain(u.teamy.username);
      const page = await open('/leaderboard?period=all&metric=tokens', { allowStatuses: [404] });
      if (token) await signIn(page, token);
      await page.locator(`table.leaderboard tr[data-username="${u.pub.username}"]`).waitFor();
      expect(await shownRows(page)).toEqual(expectedRows(board.entries));
      expect(await page.locator('[data-testid=range]').textContent()).toContain(`${formatInt(board.total)} users`);

      // Their profiles are "not found", word for word as a name nobody has.
      const texts: string[] = [];
      for (const name of [u.priv.username, u.teamy.username, uniqueName('nobody')]) {
        expect((await c().get(`/api/v1/users/${name}`, token)).status).toBe(404);
        // A token that is not the owner's is refused the owner's lists too (asked before the profile answers).
        // Without a token the page offers to paste one (the owner's would show the profile).
        const text = await refusal(open, `/u/${name}`, token, {
          allowStatuses: [403, 404],
          failure: 'main > .failure',
          absent: '[data-testid=totals], .chart, [data-testid=privacy], [data-testid=projects]',
        });
        texts.push(text.replace(name, '<name>'));
      }
      expect(texts[0]).toMatch(/^Not found\./);
      expect(new Set(texts).size).toBe(1);
    }

    // The teammate: the board and the profile of the teams-only user, with the display name.
    const board = await api('/api/v1/leaderboard?period=all&metric=tokens&limit=25', u.mate.token);
    expect((board.entries as Entry[]).map((e) => e.username)).toContain(u.teamy.username);
    const page = await open('/leaderboard?period=all&metric=tokens');
    await signIn(page, u.mate.token);
    await page.locator(`table.leaderboard tr[data-username="${u.teamy.username}"]`).waitFor();
    expect(await shownRows(page)).toEqual(expectedRows(board.entries));
    const profile = await open(`/u/${u.teamy.username}`, { allowStatuses: [403, 404] });
    await signIn(profile, u.mate.token);
    await stat(profile, 'Tokens').waitFor();
    expect(await profile.locator('h1 [data-testid=display-name]').textContent()).toBe(' Team Y');
    const shown = await api(`/api/v1/users/${u.teamy.username}`, u.mate.token);
    expect(await stat(profile, 'Tokens').getAttribute('title')).toBe(formatInt(shown.totals.totalTokens));
    // Not the teammate's own: no privacy settings.
    await profile.locator('details.owner').waitFor();
    expect(await profile.locator('[data-testid=privacy]').count()).toBe(0);
  });

  it('a user who hides their cost: a dash with its reason to others, never $0.00 or NaN; money to themself', async () => {
    const coy = u.coy.username;
    const anonymousProfile = await api(`/api/v1/users/${coy}`, undefined);
    expect(anonymousProfile.totals.totalCost).toBeNull();
    expect(anonymousProfile.displayName).toBe('Coy Person');

    const board = await open('/leaderboard?period=all&metric=tokens');
    await board.locator(`table.leaderboard tr[data-username="${coy}"]`).waitFor();
    const entries = (await api('/api/v1/leaderboard?period=all&metric=tokens&limit=25', undefined)).entries as Entry[];
    expect(entries.find((e) => e.username === coy)).toMatchObject({ totalCost: null, displayName: 'Coy Person' });
    expect(await shownRows(board)).toEqual(expectedRows(entries));
    // Ranked by cost, a hidden cost is not ranked at all.
    await board.locator('nav[aria-label="Ranked by"] a[data-value=cost]').click();
    await board.locator('table.leaderboard[data-metric=cost]').waitFor();
    expect(await board.locator(`tr[data-username="${coy}"]`).count()).toBe(0);

    const profile = await open(`/u/${coy}?days=all`);
    await profile.locator('[data-chart=tokens-by-kind]').waitFor();
    await profile.locator('[data-testid=ranks] li').first().waitFor();
    expect(await profile.locator('h1 [data-testid=display-name]').textContent()).toBe(' Coy Person');
    const cost = stat(profile, 'Cost');
    expect(await cost.locator('.stat-value').textContent()).toBe('—');
    expect(await cost.locator('[data-hidden=cost]').getAttribute('title')).toBe('not shown by this user');
    // The chart leaves the cost out rather than drawing it as zero; the ranks are by tokens (a rank by hidden money is refused).
    expect(JSON.parse((await profile.locator('[data-chart=tokens-by-kind]').getAttribute('data-series'))!)).toEqual([
      'Input',
      'Output',
      'Cache creation',
      'Cache read',
    ]);
    expect(await profile.locator('h2', { hasText: /^Rank by/ }).textContent()).toBe('Rank by tokens');
    expect((await c().get(`/api/v1/users/${coy}/ranks?metric=cost`, undefined)).status).toBe(403);
    const ranks = await api(`/api/v1/users/${coy}/ranks?metric=tokens`, undefined);
    const all = ranks.ranks.find((r: { period: string }) => r.period === 'all');
    expect(await profile.locator('[data-testid=ranks] li[data-period=all] strong').textContent()).toBe(`#${all.rank}`);
    expect(await profile.locator('[data-testid=ranks] li[data-period=all] small').textContent()).toBe(
      `of ${formatInt(all.total)} · ${formatCompact(Number(all.value))} tokens`,
    );
    const text = (await profile.locator('main').textContent())!;
    expect(text).not.toMatch(/NaN|\$null|null|undefined/);
    await screenshot(profile, 'profile-hidden-cost');

    // Coy's own browser: money everywhere, as the API answers coy.
    const own = await api(`/api/v1/users/${coy}`, u.coy.token);
    expect(own.totals.totalCost).toMatch(/^\d+\.\d{4}$/);
    const mine = await open(`/u/${coy}?days=all`);
    await signIn(mine, u.coy.token);
    await mine.locator('[data-testid=privacy]').waitFor();
    expect(await stat(mine, 'Cost').locator('.stat-value').textContent()).toBe(formatCost(own.totals.totalCost));
    expect(await mine.locator('[data-hidden=cost]').count()).toBe(0);
    expect(JSON.parse((await mine.locator('[data-chart=tokens-by-kind]').getAttribute('data-series'))!)).toContain('Cost');
    expect(await mine.locator('h2', { hasText: /^Rank by/ }).textContent()).toBe('Rank by cost');
    const ownBoard = await open('/leaderboard?period=all&metric=tokens');
    await signIn(ownBoard, u.coy.token);
    await ownBoard.locator(`table.leaderboard tr[data-username="${coy}"]`).waitFor();
    const ownEntries = (await api('/api/v1/leaderboard?period=all&metric=tokens&limit=25', u.coy.token)).entries as Entry[];
    expect(ownEntries.find((e) => e.username === coy)!.totalCost).toBe(own.totals.totalCost);
    expect(await shownRows(ownBoard)).toEqual(expectedRows(ownEntries));
  });

  it('the owner changes visibility, cost and display name on their profile and the API follows; the admin changes them back', async () => {
    const shy = await registerUser(t.http, uniqueName('shy'));
    expect((await upload(t.http, shy.token, fixture('claude-daily.json'), { device: 'laptop', tz: 'UTC' })).status).toBe(200);
    const before = await api(`/api/v1/users/${shy.username}/privacy`, shy.token);
    expect(before).toMatchObject({ visibility: 'public', showCost: true, displayName: null });

    const page = await open(`/u/${shy.username}`);
    await signIn(page, shy.token);
    const panel = page.locator('[data-testid=privacy]');
    await panel.locator('form').waitFor();
    // The form opens on the settings the API has, and states the server's defaults.
    expect(await panel.locator('input[name=privacy-visibility]:checked').getAttribute('value')).toBe(before.visibility);
    expect(await panel.locator('input[name=showCost]').isChecked()).toBe(before.showCost);
    expect(await panel.locator('input[name=displayName]').inputValue()).toBe('');
    expect(await panel.locator('[data-testid=privacy-defaults]').textContent()).toBe(
      `This server’s defaults for new users: ${before.defaults.visibility}, ${before.defaults.showCost ? 'cost shown' : 'cost hidden'}.`,
    );
    expect(await panel.locator('input[name=privacy-visibility]').count()).toBe(3);

    await panel.locator('input[name=privacy-visibility][value=private]').check();
    await panel.locator('input[name=showCost]').uncheck();
    await panel.locator('input[name=displayName]').fill('  Shy Person ');
    await panel.locator('button[type=submit]').click();
    await panel.locator('[data-testid=privacy-saved]').waitFor();
    const after = await api(`/api/v1/users/${shy.username}/privacy`, shy.token);
    expect(after).toMatchObject({ visibility: 'private', showCost: false, displayName: 'Shy Person' });
    // The header follows; the owner still sees their own money.
    await page.locator('h1 [data-testid=display-name]').waitFor();
    expect(await page.locator('h1 [data-testid=display-name]').textContent()).toBe(' Shy Person');
    expect(await stat(page, 'Cost').locator('[data-hidden=cost]').count()).toBe(0);
    await screenshot(page, 'profile-privacy');

    // To anyone else the profile is gone from the next request.
    expect((await c().get(`/api/v1/users/${shy.username}`, undefined)).status).toBe(404);
    const stranger = await open(`/u/${shy.username}`, { allowStatuses: [404] });
    await stranger.locator('main > .failure').waitFor();
    expect(await stranger.locator('main > .failure').textContent()).toMatch(/^Not found\./);

    // The admin sees the profile and its settings, and makes it public again without a display name.
    const admin = await open(`/u/${shy.username}`, { allowStatuses: [404] });
    await signIn(admin, ADMIN);
    const adminPanel = admin.locator('[data-testid=privacy]');
    await adminPanel.locator('form').waitFor();
    expect(await adminPanel.locator('input[name=privacy-visibility]:checked').getAttribute('value')).toBe('private');
    expect(await adminPanel.locator('input[name=showCost]').isChecked()).toBe(false);
    expect(await adminPanel.locator('input[name=displayName]').inputValue()).toBe('Shy Person');
    await adminPanel.locator('input[name=privacy-visibility][value=public]').check();
    await adminPanel.locator('input[name=displayName]').fill('');
    await adminPanel.locator('button[type=submit]').click();
    await adminPanel.locator('[data-testid=privacy-saved]').waitFor();
    expect(await api(`/api/v1/users/${shy.username}/privacy`, ADMIN)).toMatchObject({ visibility: 'public', showCost: false, displayName: null });
    await admin.locator('h1 [data-testid=display-name]').waitFor({ state: 'detached' });
    const again = await open(`/u/${shy.username}`);
    await stat(again, 'Cost').waitFor();
    expect(await stat(again, 'Cost').locator('.stat-value').textContent()).toBe('—');

    // Another user's token gets no settings to change.
    const other = await open(`/u/${shy.username}`, { allowStatuses: [403] });
    await signIn(other, u.pub.token);
    await other.locator('details.owner').waitFor();
    expect(await other.locator('[data-testid=privacy]').count()).toBe(0);
  });
});

describeBrowser('privacy settings on a server whose defaults are teams-only and no cost', () => {
  let t: TestApp;
  const open = useBrowserApp({ DEFAULT_VISIBILITY: 'teams', DEFAULT_SHOW_COST: 'false' }, (ready) => {
    t = ready.t;
  });

  it("a new user's form starts from the server's defaults and says what they are", async () => {
    const user = await registerUser(t.http);
    const settings = await client(t.http).get(`/api/v1/users/${user.username}/privacy`, user.token);
    expect(settings.body).toMatchObject({ visibility: 'teams', showCost: false, defaults: { visibility: 'teams', showCost: false } });
    const page = await open(`/u/${user.username}`, { allowStatuses: [404] });
    await signIn(page, user.token);
    const panel = page.locator('[data-testid=privacy]');
    await panel.locator('form').waitFor();
    expect(await panel.locator('input[name=privacy-visibility]:checked').getAttribute('value')).toBe('teams');
    expect(await panel.locator('input[name=showCost]').isChecked()).toBe(false);
    expect(await panel.locator('[data-testid=privacy-defaults]').textContent()).toBe('This server’s defaults for new users: teams, cost hidden.');
  });
});
