import fc from 'fast-check';
import type { Auth, FuzzCase, Mangle, Role } from '../harness/case.js';
import { printable } from '../harness/case.js';
import { jsonContentType, smallBodyArb, uploadBody, uploadBodyArb } from './bodies.js';
import { pct, type QueryPart, queryString } from './encode.js';
import {
  cursorText,
  dayText,
  headerText,
  MODEL_NAMES,
  hostileText,
  modelText,
  numberText,
  PATH_LIKE,
  PROTOTYPE_NAMES,
  RESERVED_LOOKING,
  usernameText,
  validCursorText,
  validDayText,
} from './values.js';

/**
 * One arbitrary of fuzz cases per route group, covering every route of the service (the
 * controllers under src/ and openapi.json): generated path segments, query strings, headers,
 * credentials and bodies.
 */

/** A parameter: the values that should be accepted, and everything else. */
interface Param {
  valid: fc.Arbitrary<string>;
  any: fc.Arbitrary<string>;
}
const param = (valid: readonly string[] | fc.Arbitrary<string>, hostile: fc.Arbitrary<string> = hostileText): Param => {
  const v = Array.isArray(valid) ? fc.constantFrom(...(valid as string[])) : (valid as fc.Arbitrary<string>);
  return { valid: v, any: fc.oneof({ weight: 2, arbitrary: v }, { weight: 3, arbitrary: hostile }) };
};

const FORMAT = param(['json', 'csv'], fc.oneof(fc.constantFrom('CSV', 'xml', '', 'json ', 'csv\u0000'), hostileText));
const DAY = param(validDayText(), dayText());
const NUMBER = (max: number) => param(fc.integer({ min: 1, max }).map(String), numberText);
const OFFSET = param(fc.integer({ min: 0, max: 60 }).map(String), numberText);

/** How many slots of a case get hostile values: none (to reach real rows), one, or all. */
type Level = 'valid' | 'one' | 'any';
const LEVEL = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Level>('valid') },
  { weight: 4, arbitrary: fc.constant<Level>('one') },
  { weight: 2, arbitrary: fc.constant<Level>('any') },
);

/** One parameter: left out, given once, and (when any value goes) repeated, in bracket form or as raw junk. */
function validPart(key: string, p: Param): fc.Arbitrary<QueryPart[]> {
  return fc.oneof({ weight: 1, arbitrary: fc.constant<QueryPart[]>([]) }, { weight: 2, arbitrary: p.valid.map((v): QueryPart[] => [{ key, value: v }]) });
}
function anyPart(key: string, p: Param): fc.Arbitrary<QueryPart[]> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<QueryPart[]>([]) },
    { weight: 6, arbitrary: p.any.map((v): QueryPart[] => [{ key, value: v }]) },
    { weight: 1, arbitrary: fc.array(p.any, { minLength: 2, maxLength: 3 }).map((vs): QueryPart[] => vs.map((v) => ({ key, value: v }))) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(`${key}[]`, `${key}[0]`, `${key}[__proto__]`, `${key}.x`, key.toUpperCase(), ` ${key}`), p.any)
        .map(([k, v]): QueryPart[] => [{ key: k, value: v }]),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<QueryPart[]>(
        [{ raw: key }],
        [{ raw: `${key}=` }],
        [{ raw: `${key}=%` }],
        [{ raw: `${key}=%zz` }],
        [{ raw: `${key}=%E0%A4` }],
        [{ raw: `${key}=%ED%A0%80` }],
        [{ raw: `${key}=%C0%80` }],
        [{ raw: `${key}=a%00b` }],
        [{ raw: `${key}=+` }],
      ),
    },
  );
}

const strayParts = fc.oneof(
  { weight: 12, arbitrary: fc.constant<QueryPart[]>([]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES, 'constructor[prototype][polluted]', '__proto__[polluted]', 'limit', 'offset'), hostileText),
        hostileText,
      )
      .map(([key, value]): QueryPart[] => [{ key, value }]),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<QueryPart[]>(
      [{ raw: '' }],
      [{ raw: '&&' }],
      [{ raw: '=' }],
      [{ raw: '==' }],
      [{ raw: '%' }],
      [{ raw: ';' }],
      [{ raw: '?' }],
      [{ raw: 'a=1;b=2' }],
      [{ raw: `x=${'a'.repeat(20_000)}` }],
    ),
  },
);

/** A valid from/to pair comes in order, or it would only ever test the from-after-to refusal. */
function ordered(parts: QueryPart[]): QueryPart[] {
  const from = parts.find((p): p is { key: string; value: string } => 'key' in p && p.key === 'from');
  const to = parts.find((p): p is { key: string; value: string } => 'key' in p && p.key === 'to');
  if (from && to && from.value > to.value) [from.value, to.value] = [to.value, from.value];
  return parts;
}

/**
 * Path segments and query parameters at a hostility level: all valid, one slot hostile, or all
 * of them anything. Valid segments are sent as they are, hostile ones percent-encoded or raw tricks.
 */
function slots(segments: Param[], params: Record<string, Param>): fc.Arbitrary<{ segments: string[]; query: QueryPart[]; level: Level }> {
  const keys = Object.keys(params);
  return fc
    .record({
      level: LEVEL,
      pick: fc.nat(),
      segValid: fc.tuple(...segments.map((s) => s.valid.map(pct))),
      segAny: fc.tuple(...segments.map((s) => segment(s.any))),
      parValid: fc.tuple(...keys.map((k) => validPart(k, params[k]))),
      parAny: fc.tuple(...keys.map((k) => anyPart(k, params[k]))),
      stray: strayParts,
    })
    .map(({ level, pick, segValid, segAny, parValid, parAny, stray }) => {
      const n = segments.length + keys.length;
      const hostile = (i: number) => level === 'any' || (level === 'one' && n > 0 && pick % n === i);
      const segs = segments.map((_, i) => (hostile(i) ? segAny[i] : segValid[i]));
      const parts = keys.flatMap((_, i) => (hostile(segments.length + i) ? parAny[i] : parValid[i]));
      return { segments: segs, query: [...(level === 'valid' ? ordered(parts) : parts), ...(level === 'valid' ? [] : stray)], level };
    });
}

const MANGLES: Mangle[] = ['lowercase-scheme', 'no-scheme', 'truncated', 'extended', 'case-flipped', 'twice', 'basic', 'trailing-space', 'double-space', 'tab'];

export const badAuth: fc.Arbitrary<Auth> = fc.oneof(
  fc.record({ mangle: fc.constantFrom('alice' as const, 'admin' as const), how: fc.constantFrom(...MANGLES) }),
  fc
    .oneof(
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Bearer ccs_',
        'Bearer ccs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        `Bearer ${'x'.repeat(5000)}`,
        'Basic YWxpY2U6cGFzcw==',
        'Digest x',
        'null',
        '',
        ' ',
      ),
      headerText.map((t) => `Bearer ${t}`),
    )
    .map((raw) => ({ raw })),
);

const role = (r: Role): Auth => ({ role: r });

/** Credentials for reads: mostly none (reads are public by default), every kind otherwise. */
const readAuth: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(role('none')) },
  { weight: 2, arbitrary: fc.constant(role('alice')) },
  { weight: 1, arbitrary: fc.constant(role('bob')) },
  { weight: 2, arbitrary: fc.constant(role('admin')) },
  { weight: 2, arbitrary: badAuth },
);

/** Credentials for owner-or-admin routes. */
const anyAuth: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(role('none')) },
  { weight: 3, arbitrary: fc.constant(role('alice')) },
  { weight: 2, arbitrary: fc.constant(role('bob')) },
  { weight: 3, arbitrary: fc.constant(role('admin')) },
  { weight: 1, arbitrary: fc.constant(role('metrics')) },
  { weight: 2, arbitrary: badAuth },
);

const headers = fc
  .record(
    {
      accept: fc.oneof(
        fc.constantFrom('text/csv', 'application/json', '*/*', 'text/csv;q=0.1, application/json', 'text/html', 'application/problem+json', 'TEXT/CSV'),
        headerText,
      ),
      'if-none-match': fc.oneof(fc.constantFrom('*', 'W/"x"', '"x"', '"', 'W/'), headerText),
      'x-request-id': fc.oneof(fc.constantFrom('fuzz-1', 'a'.repeat(129), '../../x', 'x y', '\u00ff'), headerText),
      'x-forwarded-for': fc.oneof(fc.constantFrom('1.2.3.4', '::1', '127.0.0.1, 10.0.0.1', 'unknown', ''), headerText),
      'accept-language': headerText,
    },
    { requiredKeys: [] },
  )
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);

const sometimesHeaders = fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: headers });

/** A path segment: the given values as they are, hostile ones percent-encoded, sometimes raw tricks. */
function segment(values: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 10, arbitrary: values.map(pct) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2E',
        '%2F',
        '%5C',
        '%00',
        'a%00b',
        '%',
        '%zz',
        '%C0%AE',
        '%ED%A0%80',
        '%FF',
        '~',
        ';x',
        'a;b=c',
        '%20',
        '+',
      ),
    },
  );
}

interface Read {
  route: string;
  group: string;
  path: (segments: string[]) => string;
  segments?: Param[];
  params: Record<string, Param>;
  auth?: fc.Arbitrary<Auth>;
}

const GOOD_READ_AUTH: fc.Arbitrary<Auth> = fc.constantFrom(role('none'), role('alice'), role('bob'), role('admin'));

function readCase(r: Read): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      slots: slots(r.segments ?? [], r.params),
      goodAuth: GOOD_READ_AUTH,
      anyAuth: r.auth ?? readAuth,
      headers: sometimesHeaders,
      method: fc.oneof({ weight: 30, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constantFrom('HEAD', 'OPTIONS') }),
      // A range of one far day (from = to = 9999-12-31) is what hung the service: two independent
      // draws would rarely make it, so some cases ask for it outright.
      sameDay: r.params.from && r.params.to ? fc.option(dayText(), { freq: 8, nil: undefined }) : fc.constant(undefined),
    })
    .map(({ slots: { segments, query: q, level }, goodAuth, anyAuth: a, headers: h, method, sameDay }) => {
      const parts =
        sameDay === undefined
          ? q
          : [...q.filter((p) => !('key' in p) || (p.key !== 'from' && p.key !== 'to')), { key: 'from', value: sameDay }, { key: 'to', value: sameDay }];
      return printable({
        route: `${method} ${r.route}`,
        group: r.group,
        method,
        path: r.path(segments) + queryString(parts),
        auth: level === 'valid' ? goodAuth : a,
        headers: level === 'valid' ? {} : h,
      });
    });
}

const range = { from: DAY, to: DAY, format: FORMAT };
const page = (max: number) => ({ limit: NUMBER(max), offset: OFFSET });
const GRANULARITY = param(['day', 'week', 'month'], fc.oneof(fc.constantFrom('DAY', 'year', 'hour', ''), hostileText));
const USERNAME = param(['alice', 'bob', 'nobody'], usernameText);
const METRIC = param(
  ['cost', 'tokens', 'input', 'output', 'cacheCreation', 'cacheRead', 'sessions', 'linesAdded', 'commits', 'pullRequests', 'activeTime'],
  fc.oneof(fc.constantFrom('Cost', 'total', 'linesRemoved', 'apiRequests'), hostileText),
);
const BOOLEAN = param(['true', 'false'], fc.oneof(fc.constantFrom('TRUE', '1', '0', 'yes'), hostileText));
/** alice's seeded --instances upload makes projects 1 to 3 (every database starts its ids at 1); uploads of cases add more. */
const PROJECT_ID = param(fc.integer({ min: 1, max: 8 }).map(String), numberText);
const MODEL = param(MODEL_NAMES, modelText);

export const statsCases = fc.oneof(
  readCase({
    route: '/api/v1/leaderboard',
    group: 'stats',
    path: () => '/api/v1/leaderboard',
    params: {
      period: param(['today', '7d', '30d', '90d', 'week', 'month', 'year', 'all'], fc.oneof(fc.constantFrom('custom', 'ALL', '1d', '365d'), hostileText)),
      ...range,
      metric: METRIC,
      ...page(500),
      sparklines: BOOLEAN,
    },
  }),
  readCase({ route: '/api/v1/stats/summary', group: 'stats', path: () => '/api/v1/stats/summary', params: range }),
  readCase({ route: '/api/v1/stats/series', group: 'stats', path: () => '/api/v1/stats/series', params: { ...range, granularity: GRANULARITY } }),
  readCase({ route: '/api/v1/usage/weekly', group: 'stats', path: () => '/api/v1/usage/weekly', params: { ...page(500), format: FORMAT } }),
  readCase({
    route: '/api/v1/usage',
    group: 'stats',
    path: () => '/api/v1/usage',
    params: { ...range, username: USERNAME, cursor: param(validCursorText, cursorText()), limit: NUMBER(5000) },
  }),
);

export const modelCases = fc.oneof(
  // limit, offset and cursor: the paging that item 4 of issue 8 asks for, whether it exists yet or not.
  readCase({
    route: '/api/v1/models',
    group: 'models',
    path: () => '/api/v1/models',
    params: { ...range, ...page(500), cursor: param(validCursorText, cursorText()) },
  }),
  readCase({
    route: '/api/v1/models/:model/usage',
    group: 'models',
    path: ([m]) => `/api/v1/models/${m}/usage`,
    segments: [MODEL],
    params: { ...range, granularity: GRANULARITY },
  }),
  readCase({ route: '/api/v1/providers', group: 'models', path: () => '/api/v1/providers', params: { ...range, ...page(500) } }),
  readCase({
    route: '/api/v1/models/series',
    group: 'models',
    path: () => '/api/v1/models/series',
    params: {
      from: DAY,
      to: DAY,
      granularity: GRANULARITY,
      by: param(['model', 'provider'], fc.oneof(fc.constantFrom('Model', 'user', ''), hostileText)),
      top: NUMBER(20),
    },
  }),
);

export const userReadCases = fc.oneof(
  readCase({
    route: '/api/v1/users',
    group: 'users (read)',
    path: () => '/api/v1/users',
    params: {
      ...page(500),
      q: param(['a', 'al', 'A', 'b', 'fz', 'alice'], fc.oneof(fc.constantFrom('a\u0000', '%', '_', 'a'.repeat(50), 'a'.repeat(51)), hostileText)),
      sort: param(['username', 'totalCost', 'totalTokens', 'lastDate'], fc.oneof(fc.constantFrom('createdAt', '-username'), hostileText)),
      format: FORMAT,
    },
  }),
  readCase({ route: '/api/v1/users/:username', group: 'users (read)', path: ([u]) => `/api/v1/users/${u}`, segments: [USERNAME], params: {} }),
  readCase({
    route: '/api/v1/users/:username/usage',
    group: 'users (read)',
    path: ([u]) => `/api/v1/users/${u}/usage`,
    segments: [USERNAME],
    params: { ...range, granularity: GRANULARITY, models: BOOLEAN },
  }),
  readCase({
    route: '/api/v1/users/:username/ranks',
    group: 'users (read)',
    path: ([u]) => `/api/v1/users/${u}/ranks`,
    segments: [USERNAME],
    params: { metric: METRIC },
  }),
  readCase({
    route: '/api/v1/users/:username/activity',
    group: 'users (read)',
    path: ([u]) => `/api/v1/users/${u}/activity`,
    segments: [USERNAME],
    params: { from: DAY, to: DAY, granularity: GRANULARITY },
  }),
  readCase({
    route: '/api/v1/users/:username/sources',
    group: 'users (read)',
    path: ([u]) => `/api/v1/users/${u}/sources`,
    segments: [USERNAME],
    params: { from: DAY, to: DAY },
    auth: anyAuth,
  }),
  readCase({
    route: '/api/v1/telemetry/status',
    group: 'users (read)',
    path: () => '/api/v1/telemetry/status',
    params: { username: USERNAME },
    auth: anyAuth,
  }),
  readCase({
    route: '/api/v1/users/:username/uploads',
    group: 'users (read)',
    path: ([u]) => `/api/v1/users/${u}/uploads`,
    segments: [USERNAME],
    params: { ...page(500), format: FORMAT },
    auth: anyAuth,
  }),
  readCase({
    route: '/api/v1/users/:username/tokens',
    group: 'users (read)',
    path: ([u]) => `/api/v1/users/${u}/tokens`,
    segments: [USERNAME],
    params: {},
    auth: anyAuth,
  }),
  readCase({
    route: '/api/v1/users/:username/privacy',
    group: 'users (read)',
    path: ([u]) => `/api/v1/users/${u}/privacy`,
    segments: [USERNAME],
    params: {},
    auth: anyAuth,
  }),
  readCase({
    route: '/api/v1/users/:username/projects',
    group: 'users (read)',
    path: ([u]) => `/api/v1/users/${u}/projects`,
    segments: [USERNAME],
    params: { from: DAY, to: DAY, includeHidden: BOOLEAN },
    auth: anyAuth,
  }),
  readCase({
    route: '/api/v1/users/:username/projects/:id/series',
    group: 'users (read)',
    path: ([u, id]) => `/api/v1/users/${u}/projects/${id}/series`,
    segments: [USERNAME, PROJECT_ID],
    params: { from: DAY, to: DAY, granularity: GRANULARITY },
    auth: anyAuth,
  }),
);

const SEEDED = new Set(['alice', 'bob']);
/** Could this name reach a seeded user (names compare without case)? */
const seededName = (encoded: string) => {
  try {
    return SEEDED.has(decodeURIComponent(encoded).trim().toLowerCase());
  } catch {
    return false;
  }
};
/** Credentials that may work: the seeded users' and the admin's tokens, also mangled (HTTP trims the padding, the scheme is case-blind). */
const powerful = (a: Auth) => ('role' in a && ['alice', 'bob', 'admin'].includes(a.role)) || 'mangle' in a;
/** Would Number() read this id as a positive whole number, i.e. possibly a real token id? */
const realId = (encoded: string) => {
  try {
    const n = Number(decodeURIComponent(encoded));
    return Number.isInteger(n) && n > 0;
  } catch {
    return false;
  }
};

const usernameValue = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_.-]{0,12}$/).map((n) => `fz${n}`) },
  { weight: 1, arbitrary: fc.constantFrom(...RESERVED_LOOKING, 'alice', 'ALICE', 'Alice', 'bob') },
  { weight: 4, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 0, 1.5, true, [], {}, ['alice'], { toString: 'alice' }) },
);

const tokenNameValue = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('laptop', 'work machine', 'ci', ' x ', '   ', 'n'.repeat(100), 'n'.repeat(101)) },
  { weight: 4, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 0, true, [], {}, ['x']) },
);

/** POST with a JSON body (or not quite JSON) under some content type. */
function withBody(c: Omit<FuzzCase, 'headers' | 'body'>, body: Buffer | undefined, contentType: string | undefined, h: Record<string, string>): FuzzCase {
  return printable({ ...c, headers: { ...h, ...(contentType !== undefined && body !== undefined ? { 'content-type': contentType } : {}) }, body });
}

export const userWriteCases = fc.oneof(
  // Registration: anonymous mostly (REGISTRATION=open), with every credential otherwise.
  fc
    .record({
      body: fc.option(smallBodyArb('username', usernameValue), { freq: 12, nil: undefined }),
      type: jsonContentType,
      auth: fc.oneof({ weight: 4, arbitrary: fc.constant(role('none')) }, { weight: 1, arbitrary: anyAuth }),
      h: sometimesHeaders,
    })
    .map(({ body, type, auth, h }) =>
      withBody({ route: 'POST /api/v1/users', group: 'users (write)', method: 'POST', path: '/api/v1/users', auth }, body, type, h),
    ),
  // Issuing tokens, to seeded users (adds tokens, never removes any) and to names nobody has.
  fc
    .record({
      user: segment(usernameText),
      body: fc.option(smallBodyArb('name', tokenNameValue), { freq: 6, nil: undefined }),
      type: jsonContentType,
      auth: anyAuth,
      h: sometimesHeaders,
    })
    .map(({ user, body, type, auth, h }) =>
      withBody(
        { route: 'POST /api/v1/users/:username/tokens', group: 'users (write)', method: 'POST', path: `/api/v1/users/${user}/tokens`, auth },
        body,
        type,
        h,
      ),
    ),
  // Deleting a user made for the case, with every credential.
  fc
    .record({
      auth: fc.oneof(fc.constant(role('owner')), fc.constant(role('admin')), fc.constant(role('none')), fc.constant(role('alice')), badAuth),
      h: sometimesHeaders,
    })
    .map(({ auth, h }) =>
      printable({
        route: 'DELETE /api/v1/users/:username',
        group: 'users (write)',
        method: 'DELETE',
        path: '/api/v1/users/{user}',
        auth,
        headers: h,
        setup: 'user',
      }),
    ),
  // Deleting by any name; a seeded user only with credentials that must not be enough.
  fc
    .record({ user: segment(usernameText), auth: anyAuth, h: sometimesHeaders })
    .filter(({ user, auth }) => !(seededName(user) && powerful(auth)))
    .map(({ user, auth, h }) =>
      printable({ route: 'DELETE /api/v1/users/:username', group: 'users (write)', method: 'DELETE', path: `/api/v1/users/${user}`, auth, headers: h }),
    ),
  // Privacy settings of any user with any credentials (reads must answer whatever they are set to).
  fc
    .record({
      user: segment(usernameText),
      body: fc.option(
        objectBody({
          visibility: fc.constantFrom<unknown>('public', 'teams', 'private', 'friends', '', null, 0, ['public']),
          showCost: fc.constantFrom<unknown>(true, false, 'false', 0, null),
          displayName: fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom<unknown>('Alice Martin', null, '', ' x', 'a'.repeat(100), 'a'.repeat(101), '=HYPERLINK("x")', 'é✓漢') },
            { weight: 3, arbitrary: hostileText },
            { weight: 1, arbitrary: fc.constantFrom<unknown>(0, true, [], {}) },
          ),
        }),
        { freq: 8, nil: undefined },
      ),
      type: jsonContentType,
      auth: anyAuth,
      h: sometimesHeaders,
    })
    .map(({ user, body, type, auth, h }) =>
      withBody(
        { route: 'PATCH /api/v1/users/:username/privacy', group: 'users (write)', method: 'PATCH', path: `/api/v1/users/${user}/privacy`, auth },
        body,
        type,
        h,
      ),
    ),
  // A project's alias and hidden flag: the seeded users' projects (reads must answer whatever they are set to).
  fc
    .record({
      slots: slots([USERNAME, PROJECT_ID], {}),
      body: fc.option(
        objectBody({
          alias: fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom<unknown>('stats server', null, '', ' x', 'a'.repeat(100), 'a'.repeat(101), '=HYPERLINK("x")', 'é✓漢') },
            { weight: 3, arbitrary: hostileText },
            { weight: 1, arbitrary: fc.constantFrom<unknown>(0, true, [], {}, ['x']) },
          ),
          hidden: fc.constantFrom<unknown>(true, false, 'true', 0, null, []),
        }),
        { freq: 8, nil: undefined },
      ),
      type: jsonContentType,
      auth: anyAuth,
      h: sometimesHeaders,
    })
    .map(
      ({
        slots: {
          segments: [u, id],
        },
        body,
        type,
        auth,
        h,
      }) =>
        withBody(
          { route: 'PATCH /api/v1/users/:username/projects/:id', group: 'users (write)', method: 'PATCH', path: `/api/v1/users/${u}/projects/${id}`, auth },
          body,
          type,
          h,
        ),
    ),
  // Revoking a token made for the case, with every credential.
  fc
    .record({
      auth: fc.oneof(fc.constant(role('owner')), fc.constant(role('alice')), fc.constant(role('admin')), fc.constant(role('none')), badAuth),
      h: sometimesHeaders,
    })
    .map(({ auth, h }) =>
      printable({
        route: 'DELETE /api/v1/users/:username/tokens/:id',
        group: 'users (write)',
        method: 'DELETE',
        path: '/api/v1/users/{user}/tokens/{token}',
        auth,
        headers: h,
        setup: 'token',
      }),
    ),
  // Revoking by any id, never a real id of a seeded user with credentials that could do it.
  fc
    .record({ user: segment(usernameText), id: segment(numberText), auth: anyAuth, h: sometimesHeaders })
    .filter(({ user, id, auth }) => !(powerful(auth) && realId(id) && (seededName(user) || !user)))
    .map(({ user, id, auth, h }) =>
      printable({
        route: 'DELETE /api/v1/users/:username/tokens/:id',
        group: 'users (write)',
        method: 'DELETE',
        path: `/api/v1/users/${user}/tokens/${id}`,
        auth,
        headers: h,
      }),
    ),
);

const DEVICE = param(
  ['default', 'laptop', 'desk', 'ci', 'my laptop', 'a:b@c.d'],
  fc.oneof(fc.constantFrom('d'.repeat(64), 'd'.repeat(65), ' laptop', '-x'), hostileText),
);
const TZ = param(
  ['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Asia/Tokyo'],
  fc.oneof(fc.constantFrom('Etc/GMT+14', 'Mars/Olympus', '+05:00', 'utc', 'Z', 'Europe/../../etc/passwd'), hostileText),
);

const uploadAuth: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 5, arbitrary: fc.constant(role('alice')) },
  { weight: 3, arbitrary: fc.constant(role('bob')) },
  { weight: 3, arbitrary: fc.constant(role('admin')) },
  { weight: 1, arbitrary: fc.constant(role('none')) },
  { weight: 1, arbitrary: fc.constant(role('metrics')) },
  { weight: 1, arbitrary: badAuth },
);

/** Uploads: every daily sample and some other reports, mutated; device, tz and username (admin only) in the query. */
export function uploadCases(big: boolean): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      spec: uploadBodyArb(big),
      auth: uploadAuth,
      query: slots([], { device: DEVICE, tz: TZ, username: USERNAME }),
      type: jsonContentType,
      h: sometimesHeaders,
    })
    .map(({ spec, auth, query: { query: q }, type, h }) =>
      withBody({ route: 'POST /api/v1/uploads', group: 'uploads', method: 'POST', path: `/api/v1/uploads${queryString(q)}`, auth }, uploadBody(spec), type, h),
    );
}

const BACKUP_NAME = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'backup_20261126_030000.sql.gz',
      'backup_20250101_000000.sql.gz',
      'backup_99999999_999999.sql.gz',
      'backup_20261126_030000.sql',
      'backup_.sql.gz',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '../package.json',
      '../../etc/passwd',
      '..%2F..%2Fetc%2Fpasswd',
      '.',
      '..',
      '/etc/passwd',
      'backup_20261126_030000.sql.gz/../../x',
    ),
  },
  { weight: 2, arbitrary: hostileText },
);

/** Operations: info, probes, health detail, metrics, API docs, maintenance (admin), with every credential. */
export const operationsCases = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        target: fc.constantFrom(
          ['GET', '/api/v1/info'],
          ['GET', '/health/live'],
          ['GET', '/health/ready'],
          ['GET', '/health'],
          ['GET', '/metrics'],
          ['GET', '/docs'],
          ['GET', '/docs/'],
          ['GET', '/docs-json'],
          ['GET', '/docs-yaml'],
          ['GET', '/api/v1/maintenance/backups'],
          ['GET', '/api/v1/maintenance/db-stats'],
          ['POST', '/api/v1/maintenance/retention'],
        ),
        q: fc.oneof(
          { weight: 4, arbitrary: fc.constant<QueryPart[]>([]) },
          { weight: 1, arbitrary: anyPart('x', param(['1'])) },
          { weight: 1, arbitrary: strayParts },
        ),
        auth: anyAuth,
        h: sometimesHeaders,
      })
      .map(({ target: [method, path], q, auth, h }) =>
        printable({ route: `${method} ${path}`, group: 'operations', method: method, path: path + queryString(q), auth, headers: h }),
      ),
  },
  // Taking a backup is slow and each accepted one adds a file: rarely, and mostly with credentials that must not be enough.
  {
    weight: 1,
    arbitrary: fc
      .record({
        auth: fc.oneof(
          { weight: 4, arbitrary: anyAuth.filter((a) => !('role' in a && a.role === 'admin')) },
          { weight: 1, arbitrary: fc.constant(role('admin')) },
        ),
        h: sometimesHeaders,
      })
      .map(({ auth, h }) =>
        printable({ route: 'POST /api/v1/maintenance/backups', group: 'operations', method: 'POST', path: '/api/v1/maintenance/backups', auth, headers: h }),
      ),
  },
  {
    weight: 3,
    arbitrary: fc.record({ name: segment(BACKUP_NAME), auth: anyAuth, h: sometimesHeaders }).map(({ name, auth, h }) =>
      printable({
        route: 'GET /api/v1/maintenance/backups/:name',
        group: 'operations',
        method: 'GET',
        path: `/api/v1/maintenance/backups/${name}`,
        auth,
        headers: h,
      }),
    ),
  },
  // Swagger UI's static files, and paths that try to climb out of them.
  {
    weight: 2,
    arbitrary: fc
      .record({
        file: fc.oneof(
          fc.constantFrom(
            'swagger-ui.css',
            'swagger-ui-bundle.js',
            'index.html',
            'swagger-initializer.js',
            'favicon-32x32.png',
            '..%2F..%2Fpackage.json',
            '%2e%2e/%2e%2e/package.json',
            '....//....//etc/passwd',
          ),
          hostileText.map(pct),
        ),
        h: sometimesHeaders,
      })
      .map(({ file, h }) => printable({ route: 'GET /docs/*', group: 'operations', method: 'GET', path: `/docs/${file}`, auth: role('none'), headers: h })),
  },
);

const KNOWN_PATHS = [
  '/api/v1/users',
  '/api/v1/users/alice',
  '/api/v1/users/alice/tokens',
  '/api/v1/users/alice/usage',
  '/api/v1/users/alice/projects',
  '/api/v1/users/alice/projects/1/series',
  '/api/v1/uploads',
  '/api/v1/leaderboard',
  '/api/v1/stats/summary',
  '/api/v1/usage',
  '/api/v1/models',
  '/api/v1/providers',
  '/api/v1/info',
  '/api/v1/maintenance/backups',
  '/health',
  '/metrics',
  '/docs',
  '/v1/metrics',
  '/v1/logs',
];

/** Methods a route does not have, paths no route has, and bodies where none belong. */
export const strayCases = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'SEARCH'),
    path: fc.oneof(
      fc.constantFrom(...KNOWN_PATHS),
      fc
        .tuple(
          fc.constantFrom('/api/v1/', '/api/v2/', '/', '/api/', '/api/v1/users/alice/', '/health/', '//api/v1/', '/API/V1/'),
          segment(fc.oneof(hostileText, fc.constantFrom(...PATH_LIKE))),
        )
        .map(([a, b]) => a + b),
      fc.constantFrom(
        '/api/v1/users/',
        '/api/v1//users',
        '/api/v1/users/alice/usage/',
        '/api/v1/./users',
        '/api/v1/users/../info',
        '/%2e%2e/%2e%2e/etc/passwd',
        `/${'a'.repeat(9000)}`,
        '/api/v1/users?' + '&'.repeat(5000),
      ),
    ),
    body: fc.option(smallBodyArb('username', usernameValue), { freq: 3, nil: undefined }),
    type: jsonContentType,
    auth: anyAuth,
    h: sometimesHeaders,
  })
  // Writes to real routes belong to the other groups, where the cases avoid the seeded users.
  .filter(
    ({ method, path }) =>
      !(['DELETE', 'POST', 'PUT', 'PATCH'].includes(method) && (/^\/api\/v1\/users\/(alice|bob)/i.test(path) || path.startsWith('/api/v1/maintenance'))),
  )
  .map(({ method, path, body, type, auth, h }) => withBody({ route: `${method} (stray)`, group: 'stray', method, path, auth }, body, type, h));

/**
 * Teams and invites. No team is seeded: the cases create teams under a few slugs (as alice, bob or
 * the admin for them), so later cases read, change and delete real rows; hostile slugs, usernames,
 * ids and codes go everywhere else. Invite codes the service issued are never known to a case, so
 * accepting is mostly a wrong guess (404), and a registration's invite always one.
 */
const TEAM_SLUGS = ['fzteam', 'fzcrew', 'FZTeam', 'fzpriv'];
const SLUG = param(TEAM_SLUGS, fc.oneof(usernameText, fc.constantFrom('admin', 'teams', '-x', 'a'.repeat(51))));
const MEMBER = param(['alice', 'bob', 'nobody'], usernameText);
const INVITE_CODE = param(
  fc.oneof(fc.constant('cci_'), fc.constant('ccs_')).chain((p) => fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((s) => p + s)),
  fc.oneof(fc.constantFrom('cci_', 'cci_%', 'a'.repeat(101), 'cci_AAAA AAAA'), hostileText),
);
const INVITE_ID = param(fc.integer({ min: 1, max: 50 }).map(String), numberText);

const teamTextValue = (max: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('Crew', 'Platform team', '=HYPERLINK("x")', 'a'.repeat(max), 'a'.repeat(max + 1), ' x', 'é✓漢') },
    { weight: 3, arbitrary: hostileText },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 0, true, [], {}, ['x']) },
  );
const slugValue = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TEAM_SLUGS) }, { weight: 2, arbitrary: usernameValue });
const visibilityValue = fc.oneof(fc.constantFrom<unknown>('public', 'private', 'Private', '', null, 1), hostileText);
const roleValue = fc.oneof(fc.constantFrom<unknown>('owner', 'admin', 'member', 'Owner', 'boss', '', null), hostileText);
const numberValue = fc.oneof(fc.integer({ min: -5, max: 800 }), fc.constantFrom<unknown>(0, 1.5, 1e300, -0, '24', null, 10_001, 2 ** 53), hostileText);

/** A JSON object of some of `fields`, as a body (sometimes with an unknown key or not an object at all). */
function objectBody(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Buffer> {
  return fc
    .oneof(
      { weight: 8, arbitrary: fc.record(fields, { requiredKeys: [] }) },
      { weight: 1, arbitrary: fc.tuple(fc.record(fields, { requiredKeys: [] }), hostileText).map(([o, k]) => ({ ...o, [k || 'x']: 1 })) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>([], null, 'x', 0, { __proto__: { slug: 'fzteam' } }) },
    )
    .map((o) => Buffer.from(JSON.stringify(o) ?? 'null'));
}

const teamAuth: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(role('none')) },
  { weight: 4, arbitrary: fc.constant(role('alice')) },
  { weight: 3, arbitrary: fc.constant(role('bob')) },
  { weight: 3, arbitrary: fc.constant(role('admin')) },
  { weight: 1, arbitrary: badAuth },
);

/** A write with a generated path and body. */
function teamWrite(
  route: string,
  method: string,
  path: (segments: string[]) => string,
  segments: Param[],
  body?: fc.Arbitrary<Buffer>,
  query?: Record<string, Param>,
) {
  return fc
    .record({
      slots: slots(segments, query ?? {}),
      body: body ? fc.option(body, { freq: 8, nil: undefined }) : fc.constant(undefined),
      type: jsonContentType,
      auth: teamAuth,
      h: sometimesHeaders,
    })
    .map(({ slots: { segments: segs, query: q }, body: b, type, auth, h }) =>
      withBody({ route: `${method} ${route}`, group: 'teams', method, path: path(segs) + queryString(q), auth }, b, type, h),
    );
}

export const teamCases = fc.oneof(
  {
    weight: 3,
    arbitrary: teamWrite(
      '/api/v1/teams',
      'POST',
      () => '/api/v1/teams',
      [],
      objectBody({ slug: slugValue, name: teamTextValue(100), description: teamTextValue(500), visibility: visibilityValue }),
      { owner: MEMBER },
    ),
  },
  {
    weight: 2,
    arbitrary: readCase({
      route: '/api/v1/teams',
      group: 'teams',
      path: () => '/api/v1/teams',
      params: { ...page(500), q: param(['fz', 'FZ', 'fzteam', 'x'], fc.oneof(fc.constantFrom('%', '_', 'a'.repeat(51)), hostileText)), format: FORMAT },
    }),
  },
  { weight: 2, arbitrary: readCase({ route: '/api/v1/teams/:slug', group: 'teams', path: ([s]) => `/api/v1/teams/${s}`, segments: [SLUG], params: {} }) },
  {
    weight: 2,
    arbitrary: readCase({
      route: '/api/v1/teams/:slug/members',
      group: 'teams',
      path: ([s]) => `/api/v1/teams/${s}/members`,
      segments: [SLUG],
      params: { ...page(500), format: FORMAT },
    }),
  },
  // The team's reads: the leaderboard, summary, series and model shares (teams are created by the cases above).
  {
    weight: 2,
    arbitrary: readCase({
      route: '/api/v1/teams/:slug/leaderboard',
      group: 'teams',
      path: ([s]) => `/api/v1/teams/${s}/leaderboard`,
      segments: [SLUG],
      params: { ...range, metric: METRIC, ...page(500), sparklines: BOOLEAN },
    }),
  },
  {
    weight: 1,
    arbitrary: readCase({ route: '/api/v1/teams/:slug/summary', group: 'teams', path: ([s]) => `/api/v1/teams/${s}/summary`, segments: [SLUG], params: range }),
  },
  {
    weight: 1,
    arbitrary: readCase({
      route: '/api/v1/teams/:slug/series',
      group: 'teams',
      path: ([s]) => `/api/v1/teams/${s}/series`,
      segments: [SLUG],
      params: { ...range, granularity: GRANULARITY },
    }),
  },
  {
    weight: 1,
    arbitrary: readCase({
      route: '/api/v1/teams/:slug/models',
      group: 'teams',
      path: ([s]) => `/api/v1/teams/${s}/models`,
      segments: [SLUG],
      params: { ...range, ...page(500), by: param(['model', 'provider'], fc.oneof(fc.constantFrom('Model', 'agent', ''), hostileText)) },
    }),
  },
  {
    weight: 1,
    arbitrary: readCase({
      route: '/api/v1/teams/:slug/invites',
      group: 'teams',
      path: ([s]) => `/api/v1/teams/${s}/invites`,
      segments: [SLUG],
      params: page(500),
      auth: anyAuth,
    }),
  },
  {
    weight: 2,
    arbitrary: teamWrite(
      '/api/v1/teams/:slug',
      'PATCH',
      ([s]) => `/api/v1/teams/${s}`,
      [SLUG],
      objectBody({ name: teamTextValue(100), description: teamTextValue(500), visibility: visibilityValue }),
    ),
  },
  { weight: 1, arbitrary: teamWrite('/api/v1/teams/:slug', 'DELETE', ([s]) => `/api/v1/teams/${s}`, [SLUG]) },
  {
    weight: 2,
    arbitrary: teamWrite(
      '/api/v1/teams/:slug/members/:username',
      'PATCH',
      ([s, u]) => `/api/v1/teams/${s}/members/${u}`,
      [SLUG, MEMBER],
      objectBody({ role: roleValue }),
    ),
  },
  { weight: 1, arbitrary: teamWrite('/api/v1/teams/:slug/members/:username', 'DELETE', ([s, u]) => `/api/v1/teams/${s}/members/${u}`, [SLUG, MEMBER]) },
  {
    weight: 2,
    arbitrary: teamWrite(
      '/api/v1/teams/:slug/invites',
      'POST',
      ([s]) => `/api/v1/teams/${s}/invites`,
      [SLUG],
      objectBody({ expiresInHours: numberValue, maxUses: numberValue }),
    ),
  },
  { weight: 1, arbitrary: teamWrite('/api/v1/teams/:slug/invites/:id', 'DELETE', ([s, i]) => `/api/v1/teams/${s}/invites/${i}`, [SLUG, INVITE_ID]) },
  {
    weight: 2,
    arbitrary: readCase({ route: '/api/v1/invites/:code', group: 'teams', path: ([code]) => `/api/v1/invites/${code}`, segments: [INVITE_CODE], params: {} }),
  },
  { weight: 2, arbitrary: teamWrite('/api/v1/invites/:code/accept', 'POST', ([code]) => `/api/v1/invites/${code}/accept`, [INVITE_CODE]) },
  // Registration with an invite: never a code the service issued, so always refused.
  {
    weight: 1,
    arbitrary: teamWrite(
      '/api/v1/users',
      'POST',
      () => '/api/v1/users',
      [],
      objectBody({ username: usernameValue, invite: fc.oneof(INVITE_CODE.any, fc.constantFrom<unknown>(null, 1, [], {})) }),
    ),
  },
);
