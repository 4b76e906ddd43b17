import { uniqueName } from '../helpers/api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { ADMIN, client, type Who } from '../teams/helpers.js';
import { type Day, distinctiveDays, money, person, type Person, sums, team, total, utcDay } from './helpers.js';

/**
 * The outsider walk: every GET route the running app publishes (its own OpenAPI document, so a
 * route added later is walked too), with every path parameter filled by every user, team and model
 * there is, and the query parameters each route takes set one at a time to the values that change
 * what it answers. As an anonymous caller and as a user in no team, no answer (whatever its status,
 * JSON or CSV or SVG) may contain a hidden user's name, display name or any of their numbers, nor
 * the money of a user who does not show it.
 *
 * The hidden users are built to be easy to give away: one is the only user of a model and the only
 * one active on a day, so any aggregate over that model or day that did not withhold would carry
 * their numbers exactly.
 */
describe('the outsider walk', () => {
  let db: TestDatabase;
  let t: TestApp;
  let people: Person[];
  let hidden: Person[];
  let quiet: Person;
  let outsider: Person;
  let slugs: string[];
  const LONER_MODEL = 'claude-opus-4-1-20250805';
  const SHARED_MODEL = 'claude-sonnet-4-5-20250929';

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startApp(db, { ADMIN_TOKEN: ADMIN });
    const shared = (seed: number, offsets: number[]) => distinctiveDays(seed, offsets, SHARED_MODEL);
    const pubA = await person(t.http, uniqueName('walk-a'), shared(11, [-3, -2, -1]));
    const pubB = await person(t.http, uniqueName('walk-b'), shared(12, [-2, -1]));
    quiet = await person(t.http, uniqueName('walk-quiet'), shared(13, [-3, -1]), { showCost: false, displayName: 'Quiet Person' });
    // Private, alone on day -10 and the only user of LONER_MODEL.
    const loner = await person(t.http, uniqueName('walk-loner'), [...distinctiveDays(14, [-10], LONER_MODEL), ...shared(15, [-2])], {
      visibility: 'private',
      displayName: 'Lonely Hidden',
    });
    // Teams-only, sharing a team with no one the walkers are.
    const mate = await person(t.http, uniqueName('walk-mate'), shared(16, [-3, -1]), { visibility: 'teams', displayName: 'Team Mate' });
    const mate2 = await person(t.http, uniqueName('walk-mate2'), shared(17, [-1]), { visibility: 'teams' });
    outsider = await person(t.http, uniqueName('walk-out'), shared(18, [-1]));
    const league = await team(t.http, [pubA, mate]); // public team with a hidden member
    const secret = await team(t.http, [mate2, loner], 'private');
    people = [pubA, pubB, quiet, loner, mate, mate2, outsider];
    hidden = [loner, mate, mate2];
    slugs = [league, secret];
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  /** Every number of a person that must not be seen: per day and in total, tokens of each kind and money. */
  function secretsOf(p: Person, moneyOnly: boolean): string[] {
    const days: Day[] = p.days;
    const out = new Set<string>();
    const all = sums(p);
    out.add(money(all.cost));
    for (const d of days) out.add(money(d.cost));
    if (!moneyOnly) {
      for (const d of days) for (const n of [d.input, d.output, d.cacheWrite, d.cacheRead, total(d)]) out.add(String(n));
      for (const n of [all.inputTokens, all.outputTokens, all.cacheCreationTokens, all.cacheReadTokens, all.totalTokens]) out.add(String(n));
    }
    return [...out];
  }

  /** A number as a whole token of the text (not inside a longer number). */
  const containsNumber = (text: string, n: string) => new RegExp(`(?<![0-9.])${n.replace('.', '\\.')}(?![0-9])`).test(text);

  const range = () => ({ from: utcDay(-30), to: utcDay(0) });
  const QUERY_VALUES: Record<string, string[]> = {
    period: ['all', '7d', 'today', 'month'],
    metric: ['tokens', 'cost', 'input', 'output', 'cacheCreation', 'cacheRead', 'sessions'],
    granularity: ['day', 'week', 'month'],
    format: ['csv'],
    sparklines: ['true'],
    by: ['model', 'provider'],
    models: ['true', 'false'],
    sort: ['totalCost', 'totalTokens', 'lastDate'],
    includeHidden: ['true'],
    top: ['1', '20'],
  };

  async function routes(): Promise<Array<{ path: string; query: string[] }>> {
    const doc = (await t.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, { get?: { parameters?: Array<{ name: string; in: string }> } }>;
    };
    return Object.entries(doc.paths)
      .filter(([, ops]) => ops.get)
      .map(([path, ops]) => ({ path, query: (ops.get!.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name) }));
  }

  function fill(path: string): string[] {
    const values: Record<string, string[]> = {
      username: people.map((p) => p.username),
      slug: slugs,
      model: [LONER_MODEL, SHARED_MODEL],
      id: ['1', '2'],
      name: ['nothing'],
      code: ['cci_nothing'],
    };
    let paths = [path];
    for (const [param, options] of Object.entries(values)) {
      if (!path.includes(`{${param}}`)) continue;
      paths = paths.flatMap((p) => options.map((o) => p.replace(`{${param}}`, encodeURIComponent(o))));
    }
    expect(paths.every((p) => !p.includes('{'))).toBe(true);
    return paths;
  }

  function queries(names: string[]): string[] {
    const out = [''];
    const hasRange = names.includes('from') && names.includes('to');
    const base = hasRange ? `from=${range().from}&to=${range().to}` : '';
    if (base) out.push(base);
    for (const name of names) {
      for (const value of QUERY_VALUES[name] ?? []) out.push(`${name}=${value}`, ...(base ? [`${base}&${name}=${value}`] : []));
      if (name === 'username') for (const p of people) out.push(`username=${p.username}`, ...(base ? [`${base}&username=${p.username}`] : []));
    }
    return out;
  }

  it.each<[string, () => Who]>([
    ['anonymous', () => undefined],
    ['a user in no team', () => outsider.token],
  ])(
    'finds no hidden user, nor hidden money, in any answer to %s',
    async (_label, who) => {
      const token = who();
      const c = client(t.http);
      const names = hidden.flatMap((p) => [p.username]).concat(['Lonely Hidden', 'Team Mate']);
      const secrets = [...hidden.flatMap((p) => secretsOf(p, false)), ...secretsOf(quiet, true)];
      let requests = 0;
      const statuses = new Map<number, number>();
      for (const route of await routes()) {
        for (const path of fill(route.path)) {
          for (const query of queries(route.query)) {
            const url = query ? `${path}?${query}` : path;
            const res = await c.get(url, token).buffer(true);
            requests++;
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            expect([url, res.status < 500]).toEqual([url, true]);
            let text = res.text ?? String(res.body ?? '');
            const asked = hidden.find((p) => url.includes(p.username));
            if (asked) {
              // Asking about a hidden user by name must answer exactly as asking about no one: the name
              // asked for may come back (in a 404's detail), nothing else may differ.
              const nobody = `nobody-${asked.username.length}x`;
              const other = await c.get(url.replaceAll(asked.username, nobody), token).buffer(true);
              const normal = (body: string, name: string) => body.replaceAll(name, 'NAME').replace(/"requestId":"[^"]*"/g, '');
              expect([url, res.status, normal(text, asked.username)]).toEqual([url, other.status, normal(other.text ?? '', nobody)]);
              text = text.replaceAll(asked.username, '');
            }
            for (const name of names) expect([url, name, text.includes(name)]).toEqual([url, name, false]);
            for (const n of secrets) expect([url, n, containsNumber(text, n)]).toEqual([url, n, false]);
          }
        }
      }
      // The walk did reach answers with data, not only refusals.
      expect(requests).toBeGreaterThan(500);
      expect(statuses.get(200) ?? 0).toBeGreaterThan(200);
    },
    300_000,
  );

  it('finds the hidden numbers where they belong: the admin sees them (the walk looks for the right strings)', async () => {
    const c = client(t.http);
    const [loner] = hidden;
    const profile = await c.get(`/api/v1/users/${loner.username}`, ADMIN).expect(200);
    expect(containsNumber(JSON.stringify(profile.body), String(sums(loner).totalTokens))).toBe(true);
    expect(containsNumber(JSON.stringify(profile.body), money(sums(loner).cost))).toBe(true);
    const board = await c.get('/api/v1/leaderboard?period=all&metric=tokens&limit=500', ADMIN).expect(200);
    expect(board.text).toContain(loner.username);
    // The loner's day alone: the admin's series shows it exactly, so an outsider's would have, unwithheld.
    const day = loner.days.find((d) => d.model === LONER_MODEL)!;
    const series = await c.get(`/api/v1/stats/series?from=${day.date}&to=${day.date}`, ADMIN).expect(200);
    expect(containsNumber(series.text, String(total(day)))).toBe(true);
  });
});
