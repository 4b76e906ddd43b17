import { utcDay } from '../../src/common/dates.js';
import { registerUser, upload } from '../helpers/api.js';
import { BACKEND } from '../helpers/database.js';
import { metricsRequest } from '../helpers/otlp-build.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';
import { client, createTeam, invite } from '../teams/helpers.js';

/**
 * Community aggregates count every user, but never show a cell whose contributors include exactly
 * one user the caller may not see (docs/privacy.md, "Community totals"). Every answer is checked
 * against numbers worked out here from what each user uploaded and the rule as the docs state it,
 * for callers who see different people: anonymous, the admin, a private user, a teammate of
 * `teams` users, and a user who hides their cost.
 */

const ADMIN = 'aggregates-admin-token-0123456789abcdef';
const day = (offset: number) => utcDay(new Date(), offset);
const TODAY = day(0);
const YESTERDAY = day(-1);

const S = 'claude-sonnet-4-5-20250929';
const O = 'claude-opus-4-1-20250805';
const H = 'claude-3-5-haiku-20241022';
const Z = 'claude-3-7-sonnet-20250219';
const G = 'gpt-5-codex';
const PROVIDER: Record<string, string> = { [S]: 'anthropic', [O]: 'anthropic', [H]: 'anthropic', [Z]: 'anthropic', [G]: 'openai' };

/** One user's use of one model on one day; cost in ten-thousandths of a dollar. */
interface Use {
  user: string;
  date: string;
  model: string;
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
  cost: number;
}

const use = (user: string, offset: number, model: string, base: number, cost: number): Use => ({
  user,
  date: day(offset),
  model,
  input: base,
  output: base * 3 + 7,
  cacheCreation: base * 11,
  cacheRead: base * 101 + 5,
  cost,
});

/**
 * Who uses what (the cells the cases need):
 * - day −5: pub and solo (private): solo is the one hidden user; haiku is solo's alone.
 * - day −4: pub, pair1 (private) and pair2 (teams): two hidden users; opus is theirs; on sonnet-3-7
 *   pair1 has a cost and pair2 none, so only one hidden user is behind its money.
 * - day −3: pub and nocost (public, showCost=false): nocost is alone on gpt-5-codex.
 * - day −2: pub and mate (teams, in a team with buddy and pair2).
 */
const USES: Use[] = [
  use('pub', -5, S, 1000, 41_000),
  use('pub', -4, S, 1200, 45_500),
  use('pub', -3, S, 900, 38_000),
  use('pub', -2, S, 1100, 43_210),
  use('solo', -5, S, 700, 27_123),
  use('solo', -5, H, 300, 1_234),
  use('pair1', -4, O, 800, 35_000),
  use('pair1', -4, Z, 200, 2_500),
  use('pair2', -4, O, 650, 33_333),
  use('pair2', -4, Z, 150, 0),
  use('nocost', -3, G, 400, 9_876),
  use('mate', -2, S, 500, 20_002),
];

const USERS = ['pub', 'solo', 'pair1', 'pair2', 'nocost', 'mate', 'buddy'] as const;
type User = (typeof USERS)[number];
const PRIVACY: Partial<Record<User, { visibility?: 'private' | 'teams'; showCost?: boolean }>> = {
  solo: { visibility: 'private' },
  pair1: { visibility: 'private' },
  pair2: { visibility: 'teams' },
  mate: { visibility: 'teams' },
  nocost: { showCost: false },
};
const TEAM: User[] = ['mate', 'buddy', 'pair2'];

/** Telemetry (within the receiver's 48 hours): solo alone hidden among commits, pair1 and pair2 among sessions. */
const ACTIVITY: Array<{ user: User; date: string; metric: 'commits' | 'sessions'; value: number }> = [
  { user: 'solo', date: YESTERDAY, metric: 'commits', value: 7 },
  { user: 'pub', date: YESTERDAY, metric: 'commits', value: 3 },
  { user: 'pub', date: TODAY, metric: 'sessions', value: 1 },
  { user: 'pair1', date: TODAY, metric: 'sessions', value: 2 },
  { user: 'pair2', date: TODAY, metric: 'sessions', value: 5 },
];

type Caller = 'anonymous' | 'admin' | 'solo' | 'buddy' | 'nocost';
const CALLERS: Caller[] = ['anonymous', 'admin', 'solo', 'buddy', 'nocost'];

/** Whom a caller may not see, and whose money, worked out from the settings above (docs/privacy.md). */
function viewOf(caller: Caller): { hidden: Set<string>; costHidden: Set<string> } {
  if (caller === 'admin') return { hidden: new Set(), costHidden: new Set() };
  const me = caller === 'anonymous' ? undefined : caller;
  const mates = me && TEAM.includes(me) ? new Set(TEAM) : new Set<string>();
  const hidden = new Set<string>();
  const costHidden = new Set<string>();
  for (const user of USERS) {
    if (user === me) continue;
    const p = PRIVACY[user] ?? {};
    const seen = !p.visibility || (p.visibility === 'teams' && mates.has(user));
    if (!seen) hidden.add(user);
    if (!seen || p.showCost === false) costHidden.add(user);
  }
  return { hidden, costHidden };
}

const tokensOf = (u: Use) => u.input + u.output + u.cacheCreation + u.cacheRead;
const money = (tenThousandths: number) => `${Math.floor(tenThousandths / 10_000)}.${String(tenThousandths % 10_000).padStart(4, '0')}`;

/** The rule, as docs/privacy.md states it: a hidden part of exactly one user is withheld. */
function judge(uses: Use[], caller: Caller) {
  const view = viewOf(caller);
  const hidden = new Set(uses.filter((u) => view.hidden.has(u.user) && tokensOf(u) > 0).map((u) => u.user));
  const money = new Set(uses.filter((u) => view.costHidden.has(u.user) && u.cost > 0).map((u) => u.user));
  const withheld = hidden.size === 1;
  return { withheld, costWithheld: withheld || money.size === 1 };
}

function sums(uses: Use[]) {
  const sum = (f: (u: Use) => number) => uses.reduce((s, u) => s + f(u), 0);
  return {
    inputTokens: sum((u) => u.input),
    outputTokens: sum((u) => u.output),
    cacheCreationTokens: sum((u) => u.cacheCreation),
    cacheReadTokens: sum((u) => u.cacheRead),
    totalTokens: sum(tokensOf),
    cost: sum((u) => u.cost),
  };
}

/** A cell's numbers as the caller should get them. */
function cell(uses: Use[], caller: Caller, costField: 'totalCost' | 'cost') {
  const w = judge(uses, caller);
  const s = sums(uses);
  const hide = <T>(withheld: boolean, v: T) => (withheld ? null : v);
  return {
    inputTokens: hide(w.withheld, s.inputTokens),
    outputTokens: hide(w.withheld, s.outputTokens),
    cacheCreationTokens: hide(w.withheld, s.cacheCreationTokens),
    cacheReadTokens: hide(w.withheld, s.cacheReadTokens),
    totalTokens: hide(w.withheld, s.totalTokens),
    [costField]: hide(w.costWithheld, money(s.cost)),
    ...w,
  };
}

const inRange = (from: string, to: string) => USES.filter((u) => u.date >= from && u.date <= to);
const distinct = <T>(values: T[]) => [...new Set(values)];

type Granularity = 'day' | 'week' | 'month';
function bucketOf(granularity: Granularity, date: string): string {
  if (granularity === 'day') return date;
  if (granularity === 'month') return `${date.slice(0, 7)}-01`;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return utcDay(new Date(`${date}T00:00:00Z`), -((weekday + 6) % 7));
}

function groupBy<K>(uses: Use[], key: (u: Use) => K): Map<K, Use[]> {
  const out = new Map<K, Use[]>();
  for (const u of uses) out.set(key(u), [...(out.get(key(u)) ?? []), u]);
  return out;
}

/** Models (or providers) in GET /models order: cost, then tokens, then name. */
function ranked(uses: Use[], by: 'model' | 'provider') {
  const keyOf = (u: Use) => (by === 'model' ? u.model : PROVIDER[u.model]);
  return [...groupBy(uses, keyOf)].sort(([ka, a], [kb, b]) => sums(b).cost - sums(a).cost || sums(b).totalTokens - sums(a).totalTokens || (ka < kb ? -1 : 1));
}

describe(`community aggregates never reveal one hidden user's numbers (${BACKEND})`, () => {
  let t: TestApp;
  useTestApp({ ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'warn' }, (app) => ({ t } = app));
  const tokens = new Map<string, string>();
  const as = (caller: Caller) => (caller === 'anonymous' ? undefined : caller === 'admin' ? ADMIN : tokens.get(caller));
  const get = (path: string, caller: Caller, query: Record<string, string | number> = {}) => client(t.http).get(path, as(caller)).query(query);

  beforeAll(async () => {
    for (const name of USERS) tokens.set(name, (await registerUser(t.http, name)).token);
    for (const [name, settings] of Object.entries(PRIVACY)) {
      const res = await client(t.http).patch(`/api/v1/users/${name}/privacy`, tokens.get(name), settings);
      expect([name, res.status]).toEqual([name, 200]);
    }
    const slug = await createTeam(t.http, tokens.get('mate')!);
    const { code } = await invite(t.http, slug, tokens.get('mate')!);
    for (const who of TEAM.slice(1)) expect((await client(t.http).post(`/api/v1/invites/${code}/accept`, tokens.get(who))).status).toBe(201);
    for (const [user, uses] of groupBy(USES, (u) => u.user)) {
      const report = {
        daily: [...groupBy(uses, (u) => u.date)].map(([date, list]) => {
          const s = sums(list);
          return {
            date,
            inputTokens: s.inputTokens,
            outputTokens: s.outputTokens,
            cacheCreationTokens: s.cacheCreationTokens,
            cacheReadTokens: s.cacheReadTokens,
            totalTokens: s.totalTokens,
            totalCost: s.cost / 10_000,
            modelsUsed: list.map((u) => u.model),
            modelBreakdowns: list.map((u) => ({
              modelName: u.model,
              inputTokens: u.input,
              outputTokens: u.output,
              cacheCreationTokens: u.cacheCreation,
              cacheReadTokens: u.cacheRead,
              cost: u.cost / 10_000,
            })),
          };
        }),
        totals: {},
      };
      await upload(t.http, tokens.get(user), report, { device: 'laptop' }).expect(200);
    }
    for (const a of ACTIVITY) {
      // Yesterday at noon, or today's first second: inside the receiver's window whatever the hour.
      const at = a.date === TODAY ? Date.parse(`${TODAY}T00:00:00Z`) : Date.parse(`${a.date}T12:00:00Z`);
      const metric = a.metric === 'commits' ? 'claude_code.commit.count' : 'claude_code.session.count';
      const body = metricsRequest([{ metric, value: a.value, endMs: at }], { 'ccstats.device': 'laptop' });
      const res = await t.http
        .post('/v1/metrics')
        .set('authorization', `Bearer ${tokens.get(a.user)}`)
        .set('content-type', 'application/json')
        .send(body);
      expect([a.user, res.status, res.text]).toEqual([a.user, 200, '{}']);
    }
  }, 120_000);

  /** The summary as worked out here: every user counted, cells withheld by the rule. */
  function expectedSummary(caller: Caller, from: string, to: string, activityFrom = from, activityTo = to) {
    const uses = inRange(from, to);
    const view = viewOf(caller);
    const w = judge(uses, caller);
    const [top] = ranked(uses, 'model');
    const topModel = ([model, group]: [string, Use[]]) => {
      const { costWithheld } = judge(group, caller);
      return { model, provider: PROVIDER[model], cost: costWithheld ? null : money(sums(group).cost), costWithheld };
    };
    const costs = [...groupBy(uses, (u) => u.user)]
      .filter(([user]) => !view.costHidden.has(user))
      .map(([user, list]) => ({ user, cost: sums(list).cost }))
      .sort((a, b) => b.cost - a.cost || (a.user < b.user ? -1 : 1));
    const acts = ACTIVITY.filter((a) => a.date >= activityFrom && a.date <= activityTo);
    const metric = (name: 'commits' | 'sessions') => {
      const list = acts.filter((a) => a.metric === name);
      const hidden = distinct(list.filter((a) => view.hidden.has(a.user)).map((a) => a.user));
      return hidden.length === 1 ? null : list.reduce((s, a) => s + a.value, 0);
    };
    const activity = {
      sessions: metric('sessions'),
      linesAdded: 0,
      linesRemoved: 0,
      commits: metric('commits'),
      pullRequests: 0,
      activeTime: 0,
      apiRequests: 0,
      apiErrors: 0,
      users: distinct(acts.map((a) => a.user)).length,
    };
    return {
      from,
      to,
      users: USERS.length,
      activeUsers: distinct(uses.map((u) => u.user)).length,
      days: w.withheld ? null : distinct(uses.map((u) => u.date)).length,
      totals: cell(uses, caller, 'totalCost'),
      topModel: top ? topModel(top) : null,
      topUser: costs[0] ? { username: costs[0].user, totalCost: money(costs[0].cost) } : null,
      granularity: 'day',
      activity: { ...activity, withheld: activity.sessions === null || activity.commits === null },
    };
  }

  describe.each(CALLERS)('as %s', (caller) => {
    test.each([
      [day(-5), day(-5)],
      [day(-4), day(-4)],
      [day(-3), day(-3)],
      [day(-2), day(-2)],
      [day(-5), day(-2)],
      [day(-4), day(-3)],
      [YESTERDAY, YESTERDAY],
      [TODAY, TODAY],
      [YESTERDAY, TODAY],
    ])('the summary of %s to %s', async (from, to) => {
      const res = await get('/api/v1/stats/summary', caller, { from, to }).expect(200);
      expect(res.body).toEqual(expectedSummary(caller, from, to));
    });

    test('the summary of all time (from user_totals), and models and providers of all time (from user_model_totals)', async () => {
      const [first, last] = [
        USES.map((u) => u.date).sort()[0],
        USES.map((u) => u.date)
          .sort()
          .at(-1)!,
      ];
      const res = await get('/api/v1/stats/summary', caller).expect(200);
      expect(res.body).toEqual(expectedSummary(caller, first, last, '0000-01-01', '9999-12-31'));
      const ranged = await get('/api/v1/models', caller, { from: first, to: last }).expect(200);
      expect((await get('/api/v1/models', caller).expect(200)).body).toEqual({ ...ranged.body, from: null, to: null });
      const providers = await get('/api/v1/providers', caller, { from: first, to: last }).expect(200);
      expect((await get('/api/v1/providers', caller).expect(200)).body).toEqual({ ...providers.body, from: null, to: null });
    });

    test.each(['day', 'week', 'month'] as const)('the community series by %s', async (granularity) => {
      const [from, to] = [day(-40), TODAY];
      const res = await get('/api/v1/stats/series', caller, { from, to, granularity }).expect(200);
      const buckets = [...groupBy(inRange(from, to), (u) => bucketOf(granularity, u.date))].sort(([a], [b]) => (a < b ? -1 : 1));
      expect(res.body).toEqual({
        from,
        to,
        granularity,
        rows: buckets.map(([date, uses]) => ({ date, activeUsers: distinct(uses.map((u) => u.user)).length, ...cell(uses, caller, 'totalCost') })),
      });
    });

    test.each([
      [day(-5), day(-2)],
      [day(-3), day(-3)],
      [day(-5), day(-5)],
    ])('models and providers from %s to %s, with cost shares', async (from, to) => {
      const uses = inRange(from, to);
      const everyCost = sums(uses).cost;
      // The shares' denominator is every model's cost: withheld with a hidden part of one, as the summary's.
      const everyMoney = distinct(uses.filter((u) => viewOf(caller).costHidden.has(u.user) && u.cost > 0).map((u) => u.user)).length;
      for (const by of ['model', 'provider'] as const) {
        const res = await get(by === 'model' ? '/api/v1/models' : '/api/v1/providers', caller, { from, to }).expect(200);
        const list = by === 'model' ? res.body.models : res.body.providers;
        const expected = ranked(uses, by).map(([key, group]) => {
          const c = cell(group, caller, 'cost');
          return {
            ...(by === 'model' ? { model: key, provider: PROVIDER[key] } : { provider: key }),
            users: distinct(group.map((u) => u.user)).length,
            activeDays: c.withheld ? null : distinct(group.map((u) => u.date)).length,
            ...c,
            costShare: c.costWithheld || everyMoney === 1 ? null : expect.closeTo(sums(group).cost / everyCost, 5),
          };
        });
        expect({ by, list }).toEqual({ by, list: expected });
      }
    });

    test('the models series: top two by cost and the rest, each cell judged alone', async () => {
      const [from, to] = [day(-5), day(-2)];
      const res = await get('/api/v1/models/series', caller, { from, to, granularity: 'day', top: 2 }).expect(200);
      const order = ranked(inRange(from, to), 'model');
      const groups: Array<[string | null, Use[]]> = [...order.slice(0, 2), [null, order.slice(2).flatMap(([, g]) => g)]];
      const series = groups.map(([key, group]) => {
        const rows = [...groupBy(group, (u) => u.date)].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, uses]) => ({ date, ...cell(uses, caller, 'cost') }));
        const withheld = rows.some((r) => r.withheld);
        const costWithheld = rows.some((r) => r.costWithheld);
        return {
          key,
          provider: key === null ? null : PROVIDER[key],
          totals: { totalTokens: withheld ? null : sums(group).totalTokens, cost: costWithheld ? null : money(sums(group).cost), withheld, costWithheld },
          rows,
        };
      });
      expect(res.body).toEqual({ from, to, granularity: 'day', by: 'model', series });
    });

    test.each([S, Z, G, H])("%s's usage per day, its totals withheld with any day", async (model) => {
      const [from, to] = [day(-6), day(-1)];
      const res = await get(`/api/v1/models/${model}/usage`, caller, { from, to, granularity: 'day' }).expect(200);
      const group = inRange(from, to).filter((u) => u.model === model);
      const rows = [...groupBy(group, (u) => u.date)]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([date, uses]) => {
          const c = cell(uses, caller, 'cost');
          return { date, users: distinct(uses.map((u) => u.user)).length, activeDays: c.withheld ? null : 1, ...c };
        });
      const withheld = rows.some((r) => r.withheld);
      const costWithheld = rows.some((r) => r.costWithheld);
      const s = sums(group);
      expect(res.body).toEqual({
        model,
        provider: PROVIDER[model],
        from,
        to,
        granularity: 'day',
        rows,
        totals: {
          inputTokens: withheld ? null : s.inputTokens,
          outputTokens: withheld ? null : s.outputTokens,
          cacheCreationTokens: withheld ? null : s.cacheCreationTokens,
          cacheReadTokens: withheld ? null : s.cacheReadTokens,
          totalTokens: withheld ? null : s.totalTokens,
          totalCost: costWithheld ? null : money(s.cost),
          withheld,
          costWithheld,
        },
      });
    });
  });

  /** The cases the rule is about, spelled out (the tables above cover them among the rest). */
  describe('the cases, by name', () => {
    const dayRow = async (caller: Caller, offset: number) => {
      const res = await get('/api/v1/stats/series', caller, { from: day(-40), to: TODAY, granularity: 'day' }).expect(200);
      return res.body.rows.find((r: { date: string }) => r.date === day(offset));
    };

    test('a day with one hidden user is withheld from outsiders, shown to the admin and to that user', async () => {
      expect(await dayRow('anonymous', -5)).toMatchObject({ activeUsers: 2, totalTokens: null, totalCost: null, withheld: true, costWithheld: true });
      const all = sums(inRange(day(-5), day(-5)));
      for (const caller of ['admin', 'solo'] as const) {
        expect(await dayRow(caller, -5)).toMatchObject({ totalTokens: all.totalTokens, totalCost: money(all.cost), withheld: false, costWithheld: false });
      }
    });

    test("a teams user's day is shown to a teammate; another teammate's presence can make a day one hidden user's", async () => {
      expect(await dayRow('anonymous', -2)).toMatchObject({ withheld: true, totalTokens: null });
      expect(await dayRow('buddy', -2)).toMatchObject({ withheld: false, totalTokens: sums(inRange(day(-2), day(-2))).totalTokens });
      // buddy sees pair2, so on day −4 pair1 is the only one hidden from buddy.
      expect(await dayRow('buddy', -4)).toMatchObject({ withheld: true, totalTokens: null });
    });

    test('two hidden users are shown, equal to the sum of everyone', async () => {
      const everyone = USES.filter((u) => u.date === day(-4));
      const expected = everyone.reduce((s, u) => s + tokensOf(u), 0);
      expect(expected).toBeGreaterThan(everyone.filter((u) => u.user === 'pub').reduce((s, u) => s + tokensOf(u), 0));
      expect(await dayRow('anonymous', -4)).toMatchObject({
        activeUsers: 3,
        totalTokens: expected,
        totalCost: money(everyone.reduce((s, u) => s + u.cost, 0)),
        withheld: false,
      });
      const models = await get('/api/v1/models', 'anonymous', { from: day(-4), to: day(-4) }).expect(200);
      const opus = USES.filter((u) => u.model === O);
      expect(models.body.models.find((m: { model: string }) => m.model === O)).toMatchObject({
        users: 2,
        totalTokens: opus.reduce((s, u) => s + tokensOf(u), 0),
        cost: money(opus.reduce((s, u) => s + u.cost, 0)),
        withheld: false,
        costWithheld: false,
      });
    });

    test('a user who hides their cost alone on a model: its money withheld, its tokens shown', async () => {
      const res = await get('/api/v1/models', 'anonymous', { from: day(-5), to: day(-2) }).expect(200);
      const codex = USES.filter((u) => u.model === G);
      expect(res.body.models.find((m: { model: string }) => m.model === G)).toEqual({
        model: G,
        provider: 'openai',
        users: 1,
        activeDays: 1,
        ...sums(codex),
        cost: null,
        costShare: null,
        withheld: false,
        costWithheld: true,
      });
      const own = await get('/api/v1/models', 'nocost', { from: day(-5), to: day(-2) }).expect(200);
      expect(own.body.models.find((m: { model: string }) => m.model === G)).toMatchObject({ cost: money(sums(codex).cost), costWithheld: false });
    });

    test('a hidden user without a cost does not make a second one: the other one’s money stays withheld', async () => {
      const res = await get('/api/v1/models', 'anonymous', { from: day(-4), to: day(-4) }).expect(200);
      expect(res.body.models.find((m: { model: string }) => m.model === Z)).toMatchObject({
        users: 2,
        totalTokens: sums(USES.filter((u) => u.model === Z)).totalTokens,
        cost: null,
        withheld: false,
        costWithheld: true,
      });
    });

    test('CSV prints withheld numbers as empty cells, and the flags', async () => {
      const res = await get('/api/v1/stats/series', 'anonymous', { from: day(-5), to: day(-5), granularity: 'day', format: 'csv' }).expect(200);
      const [header, line] = res.text.trim().split('\r\n');
      expect(header).toBe('date,activeUsers,inputTokens,outputTokens,cacheCreationTokens,cacheReadTokens,totalTokens,totalCost,withheld,costWithheld');
      expect(line).toBe(`${day(-5)},2,,,,,,,true,true`);
      const models = await get('/api/v1/models', 'anonymous', { from: day(-3), to: day(-3), format: 'csv' }).expect(200);
      const codex = sums(USES.filter((u) => u.model === G));
      expect(models.text.trim().split('\r\n').slice(1)).toContain(
        `${G},openai,1,1,${codex.inputTokens},${codex.outputTokens},${codex.cacheCreationTokens},${codex.cacheReadTokens},${codex.totalTokens},,,false,true`,
      );
    });

    test('a change of privacy holds for the next request', async () => {
      const patch = (visibility: 'public' | 'private') => client(t.http).patch('/api/v1/users/solo/privacy', tokens.get('solo'), { visibility }).expect(200);
      await patch('public');
      try {
        expect(await dayRow('anonymous', -5)).toMatchObject({ withheld: false, totalTokens: sums(inRange(day(-5), day(-5))).totalTokens });
      } finally {
        await patch('private');
      }
      expect(await dayRow('anonymous', -5)).toMatchObject({ withheld: true, totalTokens: null });
    });
  });
});
