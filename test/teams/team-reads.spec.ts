import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type request from 'supertest';
import { registerUser, upload, uniqueName } from '../helpers/api.js';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { ADMIN, client, createTeam, invite, type Who } from './helpers.js';

/**
 * Team reads (docs/teams.md, "Team reads"): the summary, series and model shares of a team, and its
 * leaderboard, each equal to sums this file computes from what it uploaded, member by member, for
 * every kind of caller (whom they may see, whose money). Nothing expected here is read from the API.
 */

type Http = ReturnType<typeof request>;

/** One model on one day (cost in ten-thousandths of a dollar, so sums are exact integers). */
interface ModelDay {
  model: string;
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
  cost: number;
}
interface Day {
  date: string;
  models: ModelDay[];
}
interface Person {
  username: string;
  token: string;
  days: Day[];
}

/** Which company serves each model the tests upload (the provider rules, written out). */
const PROVIDER: Record<string, string> = {
  'claude-sonnet-4-5-20250929': 'anthropic',
  'claude-opus-4-1-20250805': 'anthropic',
  'gpt-5-codex': 'openai',
  'claude-3-5-haiku-20241022': 'anthropic',
};
const TEAM_MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'gpt-5-codex'];

const NOW = new Date();
/** The UTC day `offset` days from today. */
const day = (offset: number) => new Date(Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth(), NOW.getUTCDate() + offset)).toISOString().slice(0, 10);
const TODAY = day(0);
const plusDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const monthOf = (d: string) => `${d.slice(0, 7)}-01`;
const mondayOf = (d: string) => plusDays(d, -((new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7));
const lastOfMonth = (d: string) => {
  const [y, m] = d.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
};
const money = (tenThousandths: number) => `${Math.floor(tenThousandths / 10_000)}.${String(tenThousandths % 10_000).padStart(4, '0')}`;
const tokensOf = (m: ModelDay) => m.input + m.output + m.cacheWrite + m.cacheRead;

/** A deterministic generator: the same seed, the same numbers. */
function numbers(seed: number) {
  let x = seed * 7919 + 17;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
}

/** Days at the given offsets, one to three models each, every number drawn from the seed. */
function daysOf(seed: number, offsets: number[], models = TEAM_MODELS): Day[] {
  const next = numbers(seed);
  return offsets.map((offset) => ({
    date: day(offset),
    models: models.slice(0, 1 + next(models.length)).map((model) => ({
      model,
      input: 1_000 + next(90_000),
      output: 5_000 + next(400_000),
      cacheWrite: 10_000 + next(900_000),
      cacheRead: 100_000 + next(9_000_000),
      cost: 1 + next(80_000),
    })),
  }));
}

/** About one day in four of the last `span` days, chosen by the seed, always with today. */
function someOffsets(seed: number, span: number): number[] {
  const next = numbers(seed + 1000);
  const out = [0];
  for (let o = -1; o > -span; o--) if (next(4) === 0) out.push(o);
  return out;
}

const report = (days: Day[]) => ({
  daily: days.map((d) => {
    const sum = (k: 'input' | 'output' | 'cacheWrite' | 'cacheRead' | 'cost') => d.models.reduce((s, m) => s + m[k], 0);
    return {
      date: d.date,
      inputTokens: sum('input'),
      outputTokens: sum('output'),
      cacheCreationTokens: sum('cacheWrite'),
      cacheReadTokens: sum('cacheRead'),
      totalTokens: sum('input') + sum('output') + sum('cacheWrite') + sum('cacheRead'),
      totalCost: sum('cost') / 10_000,
      modelsUsed: d.models.map((m) => m.model),
      modelBreakdowns: d.models.map((m) => ({
        modelName: m.model,
        inputTokens: m.input,
        outputTokens: m.output,
        cacheCreationTokens: m.cacheWrite,
        cacheReadTokens: m.cacheRead,
        cost: m.cost / 10_000,
      })),
    };
  }),
  totals: {},
});

async function person(http: Http, prefix: string, days: Day[], privacy?: object): Promise<Person> {
  const { username, token } = await registerUser(http, uniqueName(prefix));
  if (days.length > 0) await upload(http, token, report(days)).expect(200);
  if (privacy) {
    const res = await client(http).patch(`/api/v1/users/${username}/privacy`, token, privacy);
    if (res.status !== 200) throw new Error(`privacy of ${username}: ${res.status} ${res.text}`);
  }
  return { username, token, days };
}

async function joinTeam(http: Http, slug: string, code: string, p: Person): Promise<void> {
  const res = await client(http).post(`/api/v1/invites/${code}/accept`, p.token);
  if (res.status !== 201) throw new Error(`join ${slug}: ${res.status} ${res.text}`);
}

interface Range {
  from: string;
  to: string;
}
const inRange = (d: string, r: Range | undefined) => !r || (d >= r.from && d <= r.to);

/** Totals of days, as the API prints them: four kinds, their total, cost (or not counted). */
function totalsOf(days: Day[], withCost: boolean[] = days.map(() => true)) {
  let [input, output, cacheWrite, cacheRead, cost] = [0, 0, 0, 0, 0];
  days.forEach((d, i) => {
    for (const m of d.models) {
      input += m.input;
      output += m.output;
      cacheWrite += m.cacheWrite;
      cacheRead += m.cacheRead;
      if (withCost[i]) cost += m.cost;
    }
  });
  return {
    inputTokens: input,
    outputTokens: output,
    cacheCreationTokens: cacheWrite,
    cacheReadTokens: cacheRead,
    totalTokens: input + output + cacheWrite + cacheRead,
    totalCost: money(cost),
  };
}

/**
 * What a caller is counted in a team's figures from: each counted member's days in the range (a
 * retired month the range touches: all its days) and whether their money counts.
 */
interface Contribution {
  person: Person;
  days: Day[];
  withCost: boolean;
}

function expectedSummary(contribs: Contribution[], range: Range | undefined, extra: { members: number; retired?: string[] }) {
  const exact = contribs.map((c) => ({ ...c, days: c.days.filter((d) => inRange(d.date, range)) }));
  const dates = new Set(exact.flatMap((c) => c.days.map((d) => d.date)));
  const all = contribs.flatMap((c) => c.days.map((d) => ({ d, withCost: c.withCost })));
  const models = expectedModels(contribs, 'model');
  const costed = contribs
    .filter((c) => c.withCost && c.days.length > 0)
    .map((c) => ({ username: c.person.username, cost: c.days.reduce((s, d) => s + d.models.reduce((t, m) => t + m.cost, 0), 0) }))
    .sort((a, b) => b.cost - a.cost || (a.username < b.username ? -1 : 1));
  const sorted = [...dates].sort();
  return {
    from: range?.from ?? sorted[0] ?? null,
    to: range?.to ?? sorted.at(-1) ?? null,
    members: extra.members,
    membersCounted: contribs.length,
    costMembersCounted: contribs.filter((c) => c.withCost).length,
    activeMembers: exact.filter((c) => c.days.length > 0).length,
    days: dates.size,
    totals: totalsOf(
      all.map((x) => x.d),
      all.map((x) => x.withCost),
    ),
    topModel: models[0] ? { model: models[0].key, provider: models[0].provider, cost: models[0].cost } : null,
    topUser: costed[0] ? { username: costed[0].username, displayName: null, totalCost: money(costed[0].cost) } : null,
    granularity: (extra.retired?.length ?? 0) > 0 ? 'month' : 'day',
  };
}

/** Per model or provider, most cost first (then tokens, then name), with each one's share of the cost. */
function expectedModels(contribs: Contribution[], by: 'model' | 'provider') {
  const rows = new Map<string, { key: string; provider: string; users: Set<string>; t: number[]; cost: number }>();
  for (const c of contribs) {
    for (const d of c.days) {
      for (const m of d.models) {
        const key = by === 'model' ? m.model : PROVIDER[m.model];
        const row = rows.get(key) ?? { key, provider: PROVIDER[m.model], users: new Set<string>(), t: [0, 0, 0, 0], cost: 0 };
        row.users.add(c.person.username);
        row.t[0] += m.input;
        row.t[1] += m.output;
        row.t[2] += m.cacheWrite;
        row.t[3] += m.cacheRead;
        if (c.withCost) row.cost += m.cost;
        rows.set(key, row);
      }
    }
  }
  const total = [...rows.values()].reduce((s, r) => s + r.cost, 0);
  const sum = (t: number[]) => t[0] + t[1] + t[2] + t[3];
  return [...rows.values()]
    .sort((a, b) => b.cost - a.cost || sum(b.t) - sum(a.t) || (a.key < b.key ? -1 : 1))
    .map((r) => ({
      key: r.key,
      provider: r.provider,
      users: r.users.size,
      inputTokens: r.t[0],
      outputTokens: r.t[1],
      cacheCreationTokens: r.t[2],
      cacheReadTokens: r.t[3],
      totalTokens: sum(r.t),
      cost: money(r.cost),
      costShare: total === 0 ? 0 : Math.round((r.cost / total) * 1e6) / 1e6,
    }));
}

type Granularity = 'day' | 'week' | 'month';
const bucketOf = (g: Granularity, d: string) => (g === 'day' ? d : g === 'week' ? mondayOf(d) : monthOf(d));

/** Buckets with data, oldest first; a retired month's days make one whole row of their own, first at its date. */
function expectedSeries(contribs: Contribution[], range: Range, g: Granularity, retired: string[] = []) {
  const rows = new Map<string, { date: string; retired: boolean; members: Set<string>; days: Day[]; withCost: boolean[] }>();
  for (const c of contribs) {
    for (const d of c.days) {
      const old = retired.includes(monthOf(d.date));
      if (!old && !inRange(d.date, range)) continue;
      const date = old ? monthOf(d.date) : bucketOf(g, d.date);
      const key = `${date}|${old}`;
      const row = rows.get(key) ?? { date, retired: old, members: new Set<string>(), days: [], withCost: [] };
      row.members.add(c.person.username);
      row.days.push(d);
      row.withCost.push(c.withCost);
      rows.set(key, row);
    }
  }
  return [...rows.values()]
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : Number(b.retired) - Number(a.retired)))
    .map((r) => ({ date: r.date, ...(r.retired ? { granularity: 'month' } : {}), activeMembers: r.members.size, ...totalsOf(r.days, r.withCost) }));
}

/** A retired month the range touches counts whole (its days are gone); other days only inside the range. */
const countedDays = (days: Day[], range: Range | undefined, retired: string[]) =>
  days.filter(
    (d) => inRange(d.date, range) || (retired.includes(monthOf(d.date)) && (!range || (monthOf(d.date) <= range.to && lastOfMonth(d.date) >= range.from))),
  );

const csvLines = (text: string) => text.trim().split(/\r?\n/);

describe(`team reads (${BACKEND})`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let c: ReturnType<typeof client>;
  let owner: Person; // public
  let tieA: Person; // public; tieB uploaded exactly the same days
  let tieB: Person;
  let hermit: Person; // private
  let quiet: Person; // public, showCost false
  let mate: Person; // visibility teams
  let late: Person; // public; only old days, joined after uploading (as everyone: today)
  let outsider: Person; // public, no member of the squad, the most usage of all, and a model of their own
  let vaultOwner: Person;
  let squad: string;
  let vault: string;
  let members: Person[];

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startApp(db, { ADMIN_TOKEN: ADMIN });
    c = client(t.http);
    owner = await person(t.http, 'own', daysOf(1, someOffsets(1, 130)));
    const tieDays = daysOf(2, someOffsets(2, 130));
    tieA = await person(t.http, 'tiea', tieDays);
    tieB = await person(t.http, 'tieb', tieDays);
    hermit = await person(t.http, 'hermit', daysOf(3, someOffsets(3, 130)), { visibility: 'private' });
    quiet = await person(t.http, 'quiet', daysOf(4, someOffsets(4, 130)), { showCost: false });
    mate = await person(t.http, 'mate', daysOf(5, someOffsets(5, 130)), { visibility: 'teams' });
    late = await person(t.http, 'late', daysOf(6, [-80, -85]));
    const big = daysOf(7, someOffsets(7, 130)).map((d) => ({
      ...d,
      models: [...d.models.map((m) => ({ ...m, input: m.input * 10, cost: m.cost * 10 })), { ...d.models[0], model: 'claude-3-5-haiku-20241022' }],
    }));
    outsider = await person(t.http, 'out', big);
    vaultOwner = await person(t.http, 'vault', daysOf(8, [-1, -2]));

    squad = await createTeam(t.http, owner.token, { visibility: 'public' });
    const { code } = await invite(t.http, squad, owner.token);
    for (const p of [tieA, tieB, hermit, quiet, mate, late]) await joinTeam(t.http, squad, code, p);
    members = [owner, tieA, tieB, hermit, quiet, mate, late];
    vault = await createTeam(t.http, vaultOwner.token, { visibility: 'private' });
    const { code: vaultCode } = await invite(t.http, vault, vaultOwner.token);
    await joinTeam(t.http, vault, vaultCode, tieA);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  type Viewer = 'anonymous' | 'outsider' | 'owner' | 'hermit' | 'quiet' | 'admin';
  const VIEWERS: Viewer[] = ['anonymous', 'outsider', 'owner', 'hermit', 'quiet', 'admin'];
  const tokenOf = (v: Viewer): Who =>
    ({ anonymous: undefined, outsider: outsider.token, owner: owner.token, hermit: hermit.token, quiet: quiet.token, admin: ADMIN })[v];
  const selfOf = (v: Viewer): Person | undefined => ({ outsider, owner, hermit, quiet })[v as 'owner'];

  /** docs/privacy.md's rule, written out: whom a viewer sees, and whose money. */
  function sees(v: Viewer, p: Person): boolean {
    if (v === 'admin' || selfOf(v) === p) return true;
    if (p === hermit) return false;
    // mate chose `teams`: seen by those who share a team with them (every squad member).
    if (p === mate) return v === 'owner' || v === 'hermit' || v === 'quiet';
    return true;
  }
  const seesCost = (v: Viewer, p: Person) => sees(v, p) && (p !== quiet || v === 'admin' || v === 'quiet');

  const contributions = (v: Viewer, range: Range | undefined): Contribution[] =>
    members.filter((p) => sees(v, p)).map((p) => ({ person: p, days: p.days.filter((d) => inRange(d.date, range)), withCost: seesCost(v, p) }));

  const RANGES: Array<Range | undefined> = [
    undefined,
    { from: day(-70), to: day(-5) }, // whole months and loose days at both ends
    { from: monthOf(day(-40)), to: TODAY }, // from a first of the month to today
    { from: day(-3), to: day(-3) },
    { from: '2001-01-01', to: '2001-02-01' }, // nothing
  ];
  const query = (r: Range | undefined) => (r ? `from=${r.from}&to=${r.to}` : '');

  describe('summary', () => {
    it.each(VIEWERS)("as %s: the members' sums over each range, counting only the members the caller may see and only their visible money", async (v) => {
      for (const range of RANGES) {
        const res = await c.get(`/api/v1/teams/${squad}/summary?${query(range)}`, tokenOf(v)).expect(200);
        expect([range, res.body]).toEqual([range, { team: squad, ...expectedSummary(contributions(v, range), range, { members: members.length }) }]);
      }
    });

    it('counts a member who joined today over the whole period, and never a non-member', async () => {
      // Everyone joined today, after uploading; late's only days are 80 and 85 days back.
      const range = { from: day(-90), to: day(-75) };
      const res = await c.get(`/api/v1/teams/${squad}/summary?${query(range)}`, ADMIN).expect(200);
      expect(res.body).toEqual({ team: squad, ...expectedSummary(contributions('admin', range), range, { members: 7 }) });
      const series = await c.get(`/api/v1/teams/${squad}/series?${query(range)}`, ADMIN).expect(200);
      expect(series.body.rows.find((r: { date: string }) => r.date === day(-80))).toMatchObject({ activeMembers: expect.any(Number) });
      expect(series.body.rows.map((r: { date: string }) => r.date)).toEqual(expect.arrayContaining([day(-80), day(-85)]));
      // outsider used a model of their own, every day: it is in no team answer.
      for (const by of ['model', 'provider']) {
        const models = await c.get(`/api/v1/teams/${squad}/models?by=${by}&limit=500`, ADMIN).expect(200);
        expect(JSON.stringify(models.body)).not.toContain('claude-3-5-haiku');
        expect(models.body.rows.map((r: { users: number }) => r.users).every((n: number) => n <= 7)).toBe(true);
      }
      const community = await c.get('/api/v1/models?limit=500', ADMIN).expect(200);
      expect(JSON.stringify(community.body)).toContain('claude-3-5-haiku');
    });

    it('a private member is left out for teammates and counted for the admin and themself; showCost=false money only for the admin and the member', async () => {
      const counted = async (v: Viewer) => (await c.get(`/api/v1/teams/${squad}/summary`, tokenOf(v)).expect(200)).body;
      expect((await counted('owner')).membersCounted).toBe(6);
      expect((await counted('admin')).membersCounted).toBe(7);
      expect((await counted('hermit')).membersCounted).toBe(7);
      expect((await counted('owner')).costMembersCounted).toBe(5);
      expect((await counted('quiet')).costMembersCounted).toBe(6);
      // The outsider sees neither hermit nor mate; anonymous likewise.
      expect((await counted('outsider')).membersCounted).toBe(5);
      expect((await counted('anonymous')).membersCounted).toBe(5);
    });
  });

  describe('series', () => {
    const granularities: Granularity[] = ['day', 'week', 'month'];
    it.each(VIEWERS)("as %s: per day, ISO week and month, the counted members' sums and active members", async (v) => {
      for (const g of granularities) {
        for (const range of [
          { from: day(-100), to: TODAY },
          { from: day(-70), to: day(-5) },
          { from: day(-3), to: day(-3) },
        ]) {
          const res = await c.get(`/api/v1/teams/${squad}/series?granularity=${g}&${query(range)}`, tokenOf(v)).expect(200);
          const contribs = contributions(v, range);
          expect([g, range, res.body]).toEqual([
            g,
            range,
            {
              team: squad,
              ...range,
              granularity: g,
              membersCounted: contribs.length,
              costMembersCounted: contribs.filter((x) => x.withCost).length,
              retiredMonths: [],
              rows: expectedSeries(contribs, range, g),
            },
          ]);
        }
      }
    });

    it('defaults to whole recent buckets ending today, as the community series', async () => {
      const monthsBack = (n: number) => {
        const d = new Date(Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth() - n, 1));
        return d.toISOString().slice(0, 10);
      };
      const defaults: Record<Granularity, Range> = {
        day: { from: day(-89), to: TODAY },
        week: { from: plusDays(mondayOf(TODAY), -84), to: TODAY },
        month: { from: monthsBack(11), to: TODAY },
      };
      for (const g of granularities) {
        const res = await c.get(`/api/v1/teams/${squad}/series?granularity=${g}`, ADMIN).expect(200);
        expect(res.body).toMatchObject({ ...defaults[g], granularity: g, rows: expectedSeries(contributions('admin', defaults[g]), defaults[g], g) });
      }
      const plain = await c.get(`/api/v1/teams/${squad}/series`, ADMIN).expect(200);
      expect(plain.body).toMatchObject({ ...defaults.day, granularity: 'day' });
    });

    it('answers CSV with the same rows', async () => {
      const range = { from: day(-100), to: TODAY };
      const json = (await c.get(`/api/v1/teams/${squad}/series?granularity=week&${query(range)}`, ADMIN).expect(200)).body;
      const csv = await c.get(`/api/v1/teams/${squad}/series?granularity=week&${query(range)}&format=csv`, ADMIN).expect(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.headers['content-disposition']).toContain(`${squad}-usage-by-week.csv`);
      type Row = Record<string, string | number>;
      expect(csvLines(csv.text)).toEqual([
        'date,activeMembers,inputTokens,outputTokens,cacheCreationTokens,cacheReadTokens,totalTokens,totalCost,granularity',
        ...json.rows.map((r: Row) =>
          [r.date, r.activeMembers, r.inputTokens, r.outputTokens, r.cacheCreationTokens, r.cacheReadTokens, r.totalTokens, r.totalCost, ''].join(','),
        ),
      ]);
      expect(json.rows.length).toBeGreaterThan(10);
    });
  });

  describe('models', () => {
    it.each(VIEWERS)('as %s: per model and per provider, the counted members’ tokens, visible cost, cost shares and users', async (v) => {
      for (const by of ['model', 'provider'] as const) {
        for (const range of RANGES) {
          const res = await c.get(`/api/v1/teams/${squad}/models?by=${by}&${query(range)}`, tokenOf(v)).expect(200);
          const contribs = contributions(v, range);
          const expected = expectedModels(contribs, by);
          const { rows, ...rest } = res.body;
          expect([by, range, rest]).toEqual([
            by,
            range,
            {
              team: squad,
              from: range?.from ?? null,
              to: range?.to ?? null,
              by,
              membersCounted: contribs.length,
              costMembersCounted: contribs.filter((x) => x.withCost).length,
              granularity: 'day',
              total: expected.length,
              limit: 100,
              offset: 0,
            },
          ]);
          expect(rows.map(({ costShare: _s, ...r }: { costShare: number }) => r)).toEqual(expected.map(({ costShare: _s, ...r }) => r));
          rows.forEach((r: { costShare: number }, i: number) => expect(r.costShare).toBeCloseTo(expected[i].costShare, 5));
        }
      }
    });

    it('pages through the list, and answers CSV', async () => {
      const all = (await c.get(`/api/v1/teams/${squad}/models`, ADMIN).expect(200)).body;
      expect(all.total).toBe(3);
      const paged = [];
      for (let offset = 0; offset < 4; offset++) {
        const page = (await c.get(`/api/v1/teams/${squad}/models?limit=1&offset=${offset}`, ADMIN).expect(200)).body;
        expect(page).toMatchObject({ total: 3, limit: 1, offset });
        paged.push(...page.rows);
      }
      expect(paged).toEqual(all.rows);
      const csv = await c.get(`/api/v1/teams/${squad}/models?by=provider&format=csv`, owner.token).expect(200);
      const json = (await c.get(`/api/v1/teams/${squad}/models?by=provider`, owner.token).expect(200)).body;
      expect(csv.headers['content-disposition']).toContain(`${squad}-providers.csv`);
      type Row = Record<string, string | number>;
      expect(csvLines(csv.text)).toEqual([
        'key,provider,users,inputTokens,outputTokens,cacheCreationTokens,cacheReadTokens,totalTokens,cost,costShare',
        ...json.rows.map((r: Row) =>
          [r.key, r.provider, r.users, r.inputTokens, r.outputTokens, r.cacheCreationTokens, r.cacheReadTokens, r.totalTokens, r.cost, r.costShare].join(','),
        ),
      ]);
    });
  });

  describe('access', () => {
    const paths = (slug: string) => [`/api/v1/teams/${slug}/summary`, `/api/v1/teams/${slug}/series`, `/api/v1/teams/${slug}/models`];

    it('a private team is 404 to outsiders and anonymous callers, as a team that does not exist; its members and the admin read it', async () => {
      for (const path of paths(vault)) {
        for (const who of [outsider.token, owner.token, undefined]) {
          const res = await c.get(path, who);
          expect([path, res.status, res.headers['content-type']]).toEqual([path, 404, expect.stringMatching(/^application\/problem\+json/)]);
        }
        for (const who of [vaultOwner.token, tieA.token, ADMIN]) expect([path, (await c.get(path, who)).status]).toEqual([path, 200]);
      }
      const vaultSummary = (await c.get(`/api/v1/teams/${vault}/summary`, tieA.token).expect(200)).body;
      expect(vaultSummary).toMatchObject({ members: 2, membersCounted: 2, totals: totalsOf([...vaultOwner.days, ...tieA.days]) });
      for (const path of paths(uniqueName('none'))) expect((await c.get(path, ADMIN)).status).toBe(404);
    });

    it('refuses bad queries with problem bodies', async () => {
      for (const path of [
        `/api/v1/teams/${squad}/summary?from=${TODAY}`,
        `/api/v1/teams/${squad}/summary?from=${TODAY}&to=${day(-1)}`,
        `/api/v1/teams/${squad}/summary?from=1999-12-31&to=2000-01-05`,
        `/api/v1/teams/${squad}/series?granularity=year`,
        `/api/v1/teams/${squad}/series?from=2000-01-01&to=2020-01-01`,
        `/api/v1/teams/${squad}/models?by=agent`,
        `/api/v1/teams/${squad}/models?limit=501`,
        `/api/v1/teams/${squad}/models?offset=-1`,
        `/api/v1/teams/-bad/summary`,
      ]) {
        const res = await c.get(path, ADMIN);
        expect([path, res.status, res.headers['content-type']]).toEqual([path, 400, expect.stringMatching(/^application\/problem\+json/)]);
      }
    });

    it('answers carry an ETag (304 on a match), private to a token', async () => {
      for (const path of paths(squad)) {
        const first = await c.get(path, owner.token).expect(200);
        expect(first.headers.etag).toBeTruthy();
        expect(first.headers['cache-control']).toMatch(/private/);
        await c.get(path, owner.token).set('If-None-Match', first.headers.etag).expect(304);
        const anonymous = await c.get(path, undefined).expect(200);
        expect(anonymous.headers['cache-control']).not.toMatch(/private/);
      }
    });

    it('READ_ACCESS=token: a token is needed (401 without), and the answer is the same', async () => {
      const strict = await startApp(db, { ADMIN_TOKEN: ADMIN, READ_ACCESS: 'token' });
      try {
        const s = client(strict.http);
        for (const path of [...paths(squad), `/api/v1/teams/${squad}/leaderboard`]) {
          const res = await s.get(path, undefined);
          expect([path, res.status]).toEqual([path, 401]);
          const mine = await s.get(path, owner.token).expect(200);
          expect(mine.body).toEqual((await c.get(path, owner.token).expect(200)).body);
        }
      } finally {
        await strict.close();
      }
    });

    it('reads a membership change at once: a member who leaves is no longer counted', async () => {
      const before = (await c.get(`/api/v1/teams/${squad}/summary`, ADMIN).expect(200)).body;
      expect(before.membersCounted).toBe(7);
      const extra = await person(t.http, 'extra', daysOf(9, [-2]));
      const { code } = await invite(t.http, squad, owner.token);
      await joinTeam(t.http, squad, code, extra);
      const withExtra = (await c.get(`/api/v1/teams/${squad}/summary`, ADMIN).expect(200)).body;
      expect(withExtra).toMatchObject({ members: 8, membersCounted: 8, totals: { totalTokens: before.totals.totalTokens + totalsOf(extra.days).totalTokens } });
      await c.del(`/api/v1/teams/${squad}/members/${extra.username}`, extra.token).expect(204);
      expect((await c.get(`/api/v1/teams/${squad}/summary`, ADMIN).expect(200)).body).toEqual(before);
    });
  });

  describe('leaderboard', () => {
    const monday = mondayOf(TODAY);
    const PERIODS: Record<string, Range | undefined> = {
      today: { from: TODAY, to: TODAY },
      '7d': { from: day(-6), to: TODAY },
      '30d': { from: day(-29), to: TODAY },
      '90d': { from: day(-89), to: TODAY },
      week: { from: monday, to: plusDays(monday, 6) },
      month: { from: monthOf(TODAY), to: lastOfMonth(TODAY) },
      year: { from: `${TODAY.slice(0, 4)}-01-01`, to: `${TODAY.slice(0, 4)}-12-31` },
      all: undefined,
    };
    type Metric = 'cost' | 'tokens' | 'output';

    function expectedBoard(v: Viewer, range: Range | undefined, metric: Metric) {
      const listed = members
        .filter((p) => (metric === 'cost' ? seesCost(v, p) : sees(v, p)))
        .map((p) => ({ p, days: p.days.filter((d) => inRange(d.date, range)) }))
        .filter((x) => x.days.length > 0)
        .map(({ p, days }) => {
          const totals = totalsOf(days);
          const cost = days.reduce((s, d) => s + d.models.reduce((t, m) => t + m.cost, 0), 0);
          const value = metric === 'cost' ? cost : metric === 'tokens' ? totals.totalTokens : totals.outputTokens;
          const byModel = new Map<string, { cost: number; tokens: number }>();
          for (const d of days) {
            for (const m of d.models) {
              const x = byModel.get(m.model) ?? { cost: 0, tokens: 0 };
              byModel.set(m.model, { cost: x.cost + m.cost, tokens: x.tokens + tokensOf(m) });
            }
          }
          const [topModel] = [...byModel].sort(([a, x], [b, y]) => y.cost - x.cost || y.tokens - x.tokens || (a < b ? -1 : 1)).map(([m]) => m);
          return {
            username: p.username,
            displayName: null,
            value: metric === 'cost' ? money(value) : String(value),
            sort: value,
            ...totals,
            totalCost: seesCost(v, p) ? totals.totalCost : null,
            activeDays: days.length,
            topModel,
          };
        })
        .sort((a, b) => b.sort - a.sort || (a.username < b.username ? -1 : 1));
      return listed.map(({ sort, ...e }) => ({ rank: 1 + listed.filter((x) => x.sort > sort).length, ...e }));
    }

    it.each(['admin', 'owner', 'anonymous'] as Viewer[])(
      'as %s: every period and a custom range, by cost, tokens and output, ties sharing a rank',
      async (v) => {
        const shapes: Array<[string, Range | undefined]> = [...Object.entries(PERIODS).map(([p, r]) => [`period=${p}`, r] as [string, Range | undefined])];
        shapes.push([`from=${day(-70)}&to=${day(-5)}`, { from: day(-70), to: day(-5) }]);
        for (const [q, range] of shapes) {
          for (const metric of ['cost', 'tokens', 'output'] as Metric[]) {
            const res = await c.get(`/api/v1/teams/${squad}/leaderboard?${q}&metric=${metric}&limit=500`, tokenOf(v)).expect(200);
            const expected = expectedBoard(v, range, metric);
            expect([q, metric, res.body.total, res.body.entries]).toEqual([q, metric, expected.length, expected]);
            if (range) expect(res.body).toMatchObject({ from: range.from, to: range.to, granularity: 'day', team: squad });
          }
        }
        // The tie: two members with the same days, the same rank, ordered by name.
        const all = expectedBoard(v, undefined, 'tokens');
        const a = all.find((e) => e.username === tieA.username)!;
        const b = all.find((e) => e.username === tieB.username)!;
        expect(a.rank).toBe(b.rank);
        expect(all.indexOf(b)).toBe(all.indexOf(a) + 1);
      },
    );

    it('pages and answers CSV', async () => {
      const full = (await c.get(`/api/v1/teams/${squad}/leaderboard?period=90d&metric=tokens&limit=500`, ADMIN).expect(200)).body;
      expect(full.entries).toEqual(expectedBoard('admin', PERIODS['90d'], 'tokens'));
      const paged = [];
      for (let offset = 0; offset < full.total + 2; offset += 2) {
        const page = (await c.get(`/api/v1/teams/${squad}/leaderboard?period=90d&metric=tokens&limit=2&offset=${offset}`, ADMIN).expect(200)).body;
        expect(page.total).toBe(full.total);
        paged.push(...page.entries);
      }
      expect(paged).toEqual(full.entries);
      const csv = await c.get(`/api/v1/teams/${squad}/leaderboard?period=90d&metric=tokens&limit=500&format=csv`, ADMIN).expect(200);
      type Entry = Record<string, string | number | null>;
      expect(csvLines(csv.text)).toEqual([
        'rank,username,inputTokens,outputTokens,cacheCreationTokens,cacheReadTokens,totalTokens,totalCost,activeDays,topModel,value,displayName',
        ...full.entries.map((e: Entry) =>
          [
            e.rank,
            e.username,
            e.inputTokens,
            e.outputTokens,
            e.cacheCreationTokens,
            e.cacheReadTokens,
            e.totalTokens,
            e.totalCost,
            e.activeDays,
            e.topModel,
            e.value,
            '',
          ]
            .map((x) => x ?? '')
            .join(','),
        ),
      ]);
    });

    it("the summary's topUser is the leaderboard's first by cost", async () => {
      for (const v of VIEWERS) {
        const board = (await c.get(`/api/v1/teams/${squad}/leaderboard?period=all&metric=cost&limit=1`, tokenOf(v)).expect(200)).body;
        const summary = (await c.get(`/api/v1/teams/${squad}/summary`, tokenOf(v)).expect(200)).body;
        expect(summary.topUser).toEqual({ username: board.entries[0].username, displayName: null, totalCost: board.entries[0].totalCost });
      }
    });
  });
});

describe(`team reads over retired months (${BACKEND})`, () => {
  const RETENTION_DAYS = 60;
  const KEPT_FROM = monthOf(day(-RETENTION_DAYS));
  let db: TestDatabase;
  let t: TestApp;
  let dir: string;
  let alice: Person;
  let bob: Person;
  let slug: string;
  let retired: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'ccs-team-archive-'));
    t = await startApp(db, {
      ADMIN_TOKEN: ADMIN,
      BACKUP_ENABLED: 'false',
      RETENTION_DAYS: String(RETENTION_DAYS),
      RETENTION_CRON: '0 0 1 1 *',
      ARCHIVE_DIR: dir,
      LOG_LEVEL: 'warn',
    });
    const offsets = (n: number, skip: number) => Array.from({ length: n }, (_, i) => -i).filter((o) => Math.abs(o) % skip !== 1);
    alice = await person(t.http, 'alice', daysOf(11, offsets(180, 3)));
    bob = await person(t.http, 'bob', daysOf(12, offsets(160, 5)), { showCost: false });
    await person(t.http, 'carol', daysOf(13, offsets(180, 2)));
    slug = await createTeam(t.http, alice.token);
    const { code } = await invite(t.http, slug, alice.token);
    await joinTeam(t.http, slug, code, bob);
    // Independently of the service: every month with data that ends before the month of today - 60.
    retired = [...new Set(alice.days.map((d) => monthOf(d.date)))].filter((m) => m < KEPT_FROM).sort();
    expect(retired.length).toBeGreaterThanOrEqual(3);
    const run = await t.http.post('/api/v1/maintenance/retention').set('Authorization', `Bearer ${ADMIN}`).expect(200);
    expect(run.body.months.map((m: { month: string }) => m.month)).toEqual(retired.map((m) => m.slice(0, 7)));
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** As alice (bob hides his cost): retired months the range touches count whole. */
  const contribs = (range: Range | undefined, touched: string[]): Contribution[] => [
    { person: alice, days: countedDays(alice.days, range, touched), withCost: true },
    { person: bob, days: countedDays(bob.days, range, touched), withCost: false },
  ];
  const touchedBy = (range: Range | undefined) => retired.filter((m) => !range || (m <= range.to && lastOfMonth(m) >= range.from));

  it('the summary counts retired months whole (granularity month), days and active members exactly', async () => {
    for (const range of [undefined, { from: plusDays(retired[1], 10), to: day(-5) }, { from: plusDays(retired[0], 3), to: plusDays(retired[0], 5) }]) {
      const touched = touchedBy(range);
      const res = await client(t.http)
        .get(`/api/v1/teams/${slug}/summary?${range ? `from=${range.from}&to=${range.to}` : ''}`, alice.token)
        .expect(200);
      // expectedSummary counts days and active members inside the range only: exact, as the months' day masks give them.
      const expected = expectedSummary(contribs(range, touched), range, { members: 2, retired: touched });
      expect([range, res.body]).toEqual([range, { team: slug, ...expected }]);
    }
  });

  it('the series gives each retired month one whole row; later days per bucket', async () => {
    const range = { from: plusDays(retired[0], 12), to: TODAY };
    const touched = touchedBy(range);
    for (const g of ['day', 'week', 'month'] as Granularity[]) {
      const res = await client(t.http).get(`/api/v1/teams/${slug}/series?granularity=${g}&from=${range.from}&to=${range.to}`, alice.token).expect(200);
      const all: Contribution[] = [
        { person: alice, days: alice.days, withCost: true },
        { person: bob, days: bob.days, withCost: false },
      ];
      expect([g, res.body]).toEqual([
        g,
        {
          team: slug,
          ...range,
          granularity: g,
          membersCounted: 2,
          costMembersCounted: 1,
          retiredMonths: touched,
          rows: expectedSeries(all, range, g, touched),
        },
      ]);
    }
  });

  it('model shares count retired months whole', async () => {
    for (const range of [undefined, { from: plusDays(retired[1], 10), to: day(-5) }]) {
      const touched = touchedBy(range);
      for (const by of ['model', 'provider'] as const) {
        const res = await client(t.http)
          .get(`/api/v1/teams/${slug}/models?by=${by}&${range ? `from=${range.from}&to=${range.to}` : ''}`, ADMIN)
          .expect(200);
        const all: Contribution[] = [
          { person: alice, days: countedDays(alice.days, range, touched), withCost: true },
          { person: bob, days: countedDays(bob.days, range, touched), withCost: true },
        ];
        const expected = expectedModels(all, by);
        expect(res.body).toMatchObject({ granularity: 'month', total: expected.length, membersCounted: 2, costMembersCounted: 2 });
        expect(res.body.rows.map(({ costShare: _s, ...r }: { costShare: number }) => r)).toEqual(expected.map(({ costShare: _s, ...r }) => r));
      }
    }
  });
});
