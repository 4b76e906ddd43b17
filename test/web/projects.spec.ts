import type { Page } from 'playwright-core';
import { addDays, bucketsOf, formatCompact, formatCost, formatInt } from '../../web/src/format.js';
import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import { apiModel, apiTotals, expectedRows, sumBy } from '../helpers/projects.js';
import type { TestApp } from '../helpers/test-app.js';
import { ADMIN, client, type Who } from '../teams/helpers.js';
import { browserUnavailable, REQUIRED, screenshot, signIn, useBrowserApp, expectKindsTable } from './browser.js';

/**
 * The owner's project view on their profile, in a real Chromium against the real service, from a
 * real `ccusage daily --instances` report: what the page lists equals the API's answer and the sums
 * worked out from the report alone (test/helpers/projects.ts); renaming and hiding are read back
 * through the API; a project's name (a path on the owner's machine) never appears in a URL.
 */
const unavailable = browserUnavailable();
if (unavailable && REQUIRED) throw new Error(`browser tests required (BROWSER_TESTS=required) but ${unavailable}`);
if (unavailable) process.stderr.write(`projects browser tests skipped: ${unavailable}\n`);
const describeBrowser = unavailable ? describe.skip : describe;

const SAMPLE = 'claude-daily-instances.json';

interface ApiProject {
  id: number;
  name: string;
  path: string;
  alias: string | null;
  hidden: boolean;
  activeDays: number;
  totals: { totalTokens: number; totalCost: string };
  models: Array<{ model: string | null; totalTokens: number; cost: string }>;
}

/** The project rows as the page shows them. */
async function shownProjects(page: Page) {
  return page.locator('table.project-list > tbody > tr').evaluateAll((rows) =>
    rows.map((r) => ({
      id: Number(r.getAttribute('data-project-id')),
      name: r.querySelector('.project-name .name')?.textContent ?? null,
      path: r.querySelector('.project-name .path')?.textContent ?? null,
      hidden: r.getAttribute('data-hidden') === 'true',
      days: r.querySelector('td.days')?.textContent,
      tokens: r.querySelector('td.tokens')?.textContent,
      exactTokens: r.querySelector('td.tokens')?.getAttribute('title'),
      cost: r.querySelector('td.cost')?.textContent,
    })),
  );
}

function expectedShown(projects: ApiProject[]) {
  return projects.map((p) => ({
    id: p.id,
    name: p.name,
    path: p.alias === null ? null : p.path,
    hidden: p.hidden,
    days: String(p.activeDays),
    tokens: formatCompact(p.totals.totalTokens),
    exactTokens: formatInt(p.totals.totalTokens),
    cost: formatCost(p.totals.totalCost),
  }));
}

describeBrowser('the owner’s projects in a browser', () => {
  let t: TestApp;
  let base: string;
  let owner: { username: string; token: string };
  let other: { username: string; token: string };
  const report = fixture(SAMPLE) as { projects: Record<string, never[]> };
  const expected = sumBy(expectedRows(report), (r) => r.project);
  const paths = Object.keys(report.projects);

  const open = useBrowserApp({ ADMIN_TOKEN: ADMIN }, (ready) => {
    ({ t, base } = ready);
  });

  const c = () => client(t.http);
  const api = async (path: string, token: Who) => {
    const res = await c().get(path, token);
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    owner = await registerUser(t.http);
    other = await registerUser(t.http);
    const res = await upload(t.http, owner.token, report, { device: 'laptop', tz: 'UTC' });
    expect(res.status).toBe(200);
    expect(res.body.format).toBe('instances');
  });

  it('lists the range’s projects with the totals, costs and models the API and the report give; a project’s series; renames and hides one', async () => {
    const page = await open(`/u/${owner.username}`);
    // Every request the page makes from here, with its body: no project name may be in any but the API's answers.
    const sent: string[] = [];
    page.on('request', (request) => sent.push(`${request.url()} ${request.postData() ?? ''}`));
    await signIn(page, owner.token);
    const section = page.locator('[data-testid=projects]');
    await section.locator('table.project-list tbody tr').first().waitFor();

    // The profile's range (90 days ending on the last day, an older profile's) is the list's.
    const profile = await api(`/api/v1/users/${owner.username}`, owner.token);
    const [from, to] = [addDays(profile.lastDate, -89), profile.lastDate];
    const listed = (await api(`/api/v1/users/${owner.username}/projects?from=${from}&to=${to}`, owner.token)).projects as ApiProject[];
    expect(listed.map((p) => p.path).sort()).toEqual([...paths].sort());
    for (const p of listed) {
      const e = expected.get(p.path)!;
      expect(p.totals).toEqual(apiTotals(e.totals));
      expect(p.activeDays).toBe(e.days.size);
    }
    expect(await shownProjects(page)).toEqual(expectedShown(listed));
    expect(await section.locator('.hint').textContent()).toContain(`${from} to ${to}`);

    // The first project's models, as the API has them (and the report: the same sums).
    const first = section.locator(`tr[data-project-id="${listed[0].id}"]`);
    await first.locator('details.project-models summary').click();
    const models = await first
      .locator('[data-testid=project-models] tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute('data-model'), r.querySelector('td.tokens')?.getAttribute('title'), r.querySelector('td.cost')?.textContent]),
      );
    expect(models).toEqual(listed[0].models.map((m) => [m.model ?? '', formatInt(m.totalTokens), formatCost(m.cost)]));
    const fromReport = [...expected.get(listed[0].path)!.models].map(([m, s]) => apiModel(m, s));
    expect(listed[0].models.map((m) => m.model).sort()).toEqual(fromReport.map((m) => m.model).sort());

    // A project's series: chosen by its id, in the URL; the chart's table holds the API's numbers.
    const chosen = listed[1];
    await section.locator(`tr[data-project-id="${chosen.id}"] a.chart-link`).click();
    const chart = section.locator('[data-chart=project-tokens]');
    await chart.waitFor();
    expect(new URL(page.url()).searchParams.get('project')).toBe(String(chosen.id));
    expect(Number(await chart.getAttribute('data-points'))).toBe(bucketsOf('day', from, to).length);
    expect(JSON.parse((await chart.getAttribute('data-series'))!)).toEqual(['Input', 'Output', 'Cache creation', 'Cache read', 'Cost']);
    const series = await api(`/api/v1/users/${owner.username}/projects/${chosen.id}/series?from=${from}&to=${to}&granularity=day`, owner.token);
    expect(series.rows.length).toBe(expected.get(chosen.path)!.days.size);
    await expectKindsTable(chart, series.rows);
    // By week, from the URL's granularity like the profile's charts.
    await page.locator('nav[aria-label=By] a[data-value=week]').click();
    await section.locator(`[data-chart=project-tokens][data-points="${bucketsOf('week', from, to).length}"]`).waitFor();
    expect(new URL(page.url()).searchParams.get('project')).toBe(String(chosen.id));

    // Rename one: the alias is what the list shows, the path beneath it.
    const renamed = listed[2];
    const row = section.locator(`tr[data-project-id="${renamed.id}"]`);
    await row.locator('button[data-action=rename]').click();
    await row.locator('input[name=alias]').fill('  infra  ');
    await row.locator('form.rename button[type=submit]').click();
    await row.locator('.project-name .name', { hasText: 'infra' }).waitFor();
    const afterRename = (await api(`/api/v1/users/${owner.username}/projects?from=${from}&to=${to}`, owner.token)).projects as ApiProject[];
    expect(afterRename.find((p) => p.id === renamed.id)).toMatchObject({ alias: 'infra', name: 'infra', path: renamed.path });
    expect(await shownProjects(page)).toEqual(expectedShown(afterRename));

    // Hide it: gone from the list, as from the API's; "show hidden" lists it again, marked, and it is unhidden.
    await row.locator('button[data-action=hide]').click();
    // The list read again: the row gone, the others there.
    await row.waitFor({ state: 'detached' });
    await section.locator(`tr[data-project-id="${listed[0].id}"]`).waitFor();
    const visible = (await api(`/api/v1/users/${owner.username}/projects?from=${from}&to=${to}`, owner.token)).projects as ApiProject[];
    expect(visible.map((p) => p.id)).not.toContain(renamed.id);
    expect(await shownProjects(page)).toEqual(expectedShown(visible));
    await section.locator('input[name=hiddenProjects]').check();
    await section.locator(`tr[data-project-id="${renamed.id}"][data-hidden=true]`).waitFor();
    expect(new URL(page.url()).searchParams.get('hiddenProjects')).toBe('1');
    const all = (await api(`/api/v1/users/${owner.username}/projects?from=${from}&to=${to}&includeHidden=true`, owner.token)).projects as ApiProject[];
    expect(all.find((p) => p.id === renamed.id)).toMatchObject({ hidden: true, alias: 'infra' });
    expect(await shownProjects(page)).toEqual(expectedShown(all));
    await screenshot(page, 'profile-projects');
    await section.locator(`tr[data-project-id="${renamed.id}"] button[data-action=hide]`).click();
    await section.locator(`tr[data-project-id="${renamed.id}"][data-hidden=false]`).waitFor();
    expect((await api(`/api/v1/users/${owner.username}/projects?from=${from}&to=${to}`, owner.token)).projects.map((p: ApiProject) => p.id)).toContain(
      renamed.id,
    );

    // No project name in any URL the page went to or any request it made, nor in its title.
    expect(sent.length).toBeGreaterThan(0);
    for (const path of paths) {
      const words = [path, encodeURIComponent(path), path.slice(1)];
      expect(sent.filter((line) => words.some((w) => line.includes(w)))).toEqual([]);
      expect(page.url()).not.toContain(path.slice(1));
      expect(await page.title()).not.toContain(path.slice(1));
    }
    // The only request that carried a name at all is the rename, to the API.
    const named = sent.filter((line) => line.includes('infra'));
    expect(named).toHaveLength(1);
    expect(named[0]).toMatch(new RegExp(`^${base}/api/v1/users/${owner.username}/projects/${renamed.id} `));
  });

  it('another user’s browser, and an anonymous one, cannot see the projects section; the admin’s can', async () => {
    expect((await c().get(`/api/v1/users/${owner.username}/projects`, other.token)).status).toBe(403);
    const page = await open(`/u/${owner.username}`, { allowStatuses: [403] });
    await signIn(page, other.token);
    await page.locator('details.owner').waitFor();
    await page.locator('[data-chart=tokens-by-kind]').waitFor();
    expect(await page.locator('[data-testid=projects], [data-testid=privacy], table.project-list').count()).toBe(0);
    for (const path of paths) expect(await page.content()).not.toContain(path);

    const anonymous = await open(`/u/${owner.username}`);
    await anonymous.locator('details.owner').waitFor();
    await anonymous.locator('[data-chart=tokens-by-kind]').waitFor();
    expect(await anonymous.locator('[data-testid=projects]').count()).toBe(0);
    for (const path of paths) expect(await anonymous.content()).not.toContain(path);

    const admin = await open(`/u/${owner.username}`);
    await signIn(admin, ADMIN);
    await admin.locator('[data-testid=projects] table.project-list tbody tr').first().waitFor();
    const listed = (await api(`/api/v1/users/${owner.username}/projects?from=${addDays('2025-06-07', -89)}&to=2025-06-07`, ADMIN)).projects as ApiProject[];
    expect(await shownProjects(admin)).toEqual(expectedShown(listed));
  });
});
