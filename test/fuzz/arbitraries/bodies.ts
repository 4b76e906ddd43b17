import fc from 'fast-check';
import { fixtureText } from '../../helpers/ccusage.js';
import { dayText, hostileText, modelText, PROTOTYPE_NAMES } from './values.js';

/**
 * Request bodies: the real ccusage samples with a few mutations each (the shape stays real, so
 * the parser goes deep before it meets the bad value), and text-level damage on top.
 */

export const DAILY_FIXTURES = [
  'claude-daily.json',
  'claude-daily-breakdown.json',
  'claude-daily-instances.json',
  'claude-daily-instances-project.json',
  'claude-daily-no-cost.json',
  'claude-daily-order-desc.json',
  'claude-daily-tz-tokyo.json',
  'daily.json',
  'daily-by-agent.json',
  'mixed-claude-codex-daily.json',
  'mixed-claude-codex-daily-by-agent.json',
  'heavy-claude-daily.json',
  'heavy-daily.json',
  'probe-claude-daily.json',
  'legacy-claude-daily-mode-auto.json',
  'legacy-v15.10.0/daily.json',
  'legacy-v17.2.1/daily-instances.json',
  'empty-claude-daily.json',
  'empty-daily.json',
];

/** Reports of other kinds (422) and shapes that are not reports at all. */
export const OTHER_FIXTURES = [
  'claude-weekly.json',
  'monthly.json',
  'claude-session.json',
  'claude-blocks.json',
  'daily-sections.json',
  'default-no-subcommand.json',
];

const texts = new Map<string, string>();
export function sample(name: string): unknown {
  if (!texts.has(name)) texts.set(name, fixtureText(name));
  return JSON.parse(texts.get(name)!);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/** A value to put in the JSON text as it is, where JSON.stringify cannot write it (1e999, NaN, -0). */
interface Raw {
  raw: string;
}
type Replacement = Json | Raw;

/** Every node of the document with its path, for mutations to pick from by index. */
function nodes(doc: Json, path: Path = [], out: Array<{ path: Path; value: Json }> = []): Array<{ path: Path; value: Json }> {
  out.push({ path, value: doc });
  if (Array.isArray(doc)) doc.forEach((v, i) => nodes(v, [...path, i], out));
  else if (doc && typeof doc === 'object') for (const k of Object.keys(doc)) nodes(doc[k], [...path, k], out);
  return out;
}

const DATE_KEYS = new Set(['date', 'period', 'week', 'month', 'firstDate', 'lastDate']);
const isDateLeaf = (n: { path: Path; value: Json }) => typeof n.value === 'string' && DATE_KEYS.has(String(n.path.at(-1)));
const isNameLeaf = (n: { path: Path; value: Json }) => typeof n.value === 'string' && !isDateLeaf(n);
const isObject = (v: Json): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);
const isDayArray = (n: { path: Path; value: Json }) =>
  Array.isArray(n.value) && n.value.length > 0 && n.value.every((d) => isObject(d) && ('date' in d || 'period' in d));

function parentOf(doc: Json, path: Path): { parent: Json; key: string | number } | undefined {
  if (path.length === 0) return undefined;
  let parent = doc;
  for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[k]!;
  return { parent, key: path.at(-1)! };
}

/** Sets an own property, also for `__proto__` (plain assignment would change the prototype instead). */
function setOwn(target: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function put(doc: Json, path: Path, value: Json): Json {
  const at = parentOf(doc, path);
  if (!at) return value;
  if (Array.isArray(at.parent)) at.parent[at.key as number] = value;
  else setOwn(at.parent as Record<string, Json>, String(at.key), value);
  return doc;
}

export type Mutation =
  | { op: 'number'; at: number; value: Replacement }
  | { op: 'date'; at: number; value: string | number | null }
  | { op: 'name'; at: number; value: string | number | null }
  | { op: 'remove-key'; at: number; key: number }
  | { op: 'add-key'; at: number; key: string; value: Replacement }
  | { op: 'rename-key'; at: number; key: number; to: string }
  | { op: 'duplicate-day'; at: number; day: number }
  | { op: 'agent-name'; to: string }
  | { op: 'many-projects'; count: number; name: string }
  | { op: 'many-models'; at: number; count: number }
  | { op: 'many-days'; count: number }
  | { op: 'deep'; at: number; depth: number }
  | { op: 'wide'; at: number; width: number };

const placeholder = (i: number) => `@@raw-${i}@@`;

/** Applies the mutations in turn; raw values are written into the text afterwards. */
export function mutate(source: unknown, mutations: Mutation[]): string {
  let doc = structuredClone(source) as Json;
  const raws: string[] = [];
  const value = (r: Replacement): Json => {
    if (r !== null && typeof r === 'object' && 'raw' in r && typeof r.raw === 'string' && Object.keys(r).length === 1) {
      raws.push(r.raw);
      return placeholder(raws.length - 1);
    }
    return structuredClone(r) as Json;
  };
  for (const m of mutations) {
    const all = nodes(doc);
    const pick = <T>(list: T[], at: number): T | undefined => (list.length ? list[at % list.length] : undefined);
    switch (m.op) {
      case 'number': {
        const n = pick(
          all.filter((x) => typeof x.value === 'number'),
          m.at,
        );
        if (n) doc = put(doc, n.path, value(m.value));
        break;
      }
      case 'date': {
        const n = pick(all.filter(isDateLeaf), m.at);
        if (n) doc = put(doc, n.path, m.value);
        break;
      }
      case 'name': {
        const n = pick(all.filter(isNameLeaf), m.at);
        if (n) doc = put(doc, n.path, m.value);
        break;
      }
      case 'remove-key': {
        const n = pick(
          all.filter((x) => isObject(x.value) && Object.keys(x.value).length > 0),
          m.at,
        );
        if (n) {
          const o = n.value as Record<string, Json>;
          delete o[Object.keys(o)[m.key % Object.keys(o).length]];
        }
        break;
      }
      case 'add-key': {
        const n = pick(
          all.filter((x) => isObject(x.value)),
          m.at,
        );
        if (n) setOwn(n.value as Record<string, Json>, m.key, value(m.value));
        break;
      }
      case 'rename-key': {
        const n = pick(
          all.filter((x) => isObject(x.value) && Object.keys(x.value).length > 0),
          m.at,
        );
        if (n) {
          const o = n.value as Record<string, Json>;
          const from = Object.keys(o)[m.key % Object.keys(o).length];
          const v = o[from]!;
          delete o[from];
          setOwn(o, m.to, v);
        }
        break;
      }
      case 'duplicate-day': {
        const n = pick(all.filter(isDayArray), m.at);
        if (n) {
          const days = n.value as Json[];
          days.push(structuredClone(days[m.day % days.length]!));
        }
        break;
      }
      case 'agent-name': {
        // Every agent of an all-agent report, and its per-agent rows, named the same hostile way.
        for (const n of all) if (String(n.path.at(-1)) === 'agent' && typeof n.value === 'string' && n.value !== 'all') doc = put(doc, n.path, m.to);
        break;
      }
      case 'many-projects': {
        if (isObject(doc) && isObject(doc.projects ?? null)) {
          const projects = doc.projects as Record<string, Json>;
          const first = Object.values(projects)[0];
          if (first !== undefined) for (let i = 0; i < m.count; i++) setOwn(projects, i === 0 ? m.name : `${m.name}-${i}`, structuredClone(first));
        }
        break;
      }
      case 'many-models': {
        const n = pick(
          all.filter((x) => String(x.path.at(-1)) === 'modelBreakdowns' && Array.isArray(x.value) && x.value.length > 0),
          m.at,
        );
        if (n) {
          const list = n.value as Json[];
          const model = list[0] as Record<string, Json>;
          // Models without tokens: the day's sums still hold, so only the cap on models can refuse them.
          const empty = Object.fromEntries(Object.entries(model).map(([k, v]) => [k, typeof v === 'number' ? 0 : v]));
          for (let i = 0; i < m.count; i++) list.push({ ...empty, modelName: `fuzz-model-${i}` });
        }
        break;
      }
      case 'many-days': {
        const n = pick(all.filter(isDayArray), 0);
        if (n) {
          const template = { ...((n.value as Json[])[0] as Record<string, Json>), modelBreakdowns: [] } as Record<string, Json>;
          const start = Date.UTC(2010, 0, 1);
          const days = Array.from({ length: m.count }, (_, i) => {
            const day = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
            return { ...template, ...('period' in template ? { period: day } : { date: day }) };
          });
          doc = put(doc, n.path, days);
        }
        break;
      }
      case 'deep': {
        const n = pick(all, m.at);
        if (n) doc = put(doc, n.path, value({ raw: '['.repeat(m.depth) + ']'.repeat(m.depth) }));
        break;
      }
      case 'wide': {
        const n = pick(
          all.filter((x) => isObject(x.value)),
          m.at,
        );
        if (n) for (let i = 0; i < m.width; i++) setOwn(n.value as Record<string, Json>, `k${i}`, i);
        break;
      }
    }
  }
  let text = JSON.stringify(doc);
  raws.forEach((raw, i) => (text = text.replace(`"${placeholder(i)}"`, raw)));
  return text;
}

const numberReplacement: fc.Arbitrary<Replacement> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<Json>(
      1e308,
      -1,
      -0.5,
      0.5,
      0.30000000000000004,
      2 ** 53 + 2,
      2 ** 63,
      2 ** 31,
      2 ** 32,
      -(2 ** 31),
      5e-324,
      0,
      Number.MAX_SAFE_INTEGER,
      1e21,
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom<Json>('5', '', 'NaN', '1e3', '-1', '0x10') },
  { weight: 2, arbitrary: fc.constantFrom<Json>(null, true, false, [], {}, [1], { $numberLong: '1' }) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '1e999',
        'NaN',
        'Infinity',
        '-Infinity',
        '9007199254740993',
        '1E400',
        '-0',
        '00',
        '0x10',
        '1.',
        '.5',
        '+1',
        '123456789012345678901234567890',
      )
      .map((raw) => ({ raw })),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);

const nameReplacement = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 2, arbitrary: modelText },
  { weight: 1, arbitrary: fc.constantFrom<string | number | null>(null, 0, 42) },
);

const dateReplacement = fc.oneof({ weight: 6, arbitrary: dayText() }, { weight: 1, arbitrary: fc.constantFrom<string | number | null>(null, 20250601, 0) });

const keyName = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES, 'daily', 'projects', 'totals', 'date', 'modelBreakdowns', 'agents', 'extra'), hostileText);

const anyValue: fc.Arbitrary<Replacement> = fc.oneof(
  numberReplacement,
  nameReplacement as fc.Arbitrary<Json>,
  fc.constantFrom<Replacement>({ polluted: true }, [{}], { raw: '{"__proto__":null}' }, { raw: '{"constructor":{"prototype":{"polluted":true}}}' }),
);

const at = fc.nat({ max: 100_000 });

export function mutationArb(big: boolean): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ op: fc.constant('number' as const), at, value: numberReplacement }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('date' as const), at, value: dateReplacement }) },
    { weight: 6, arbitrary: fc.record({ op: fc.constant('name' as const), at, value: nameReplacement }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('remove-key' as const), at, key: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('add-key' as const), at, key: keyName, value: anyValue }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('rename-key' as const), at, key: fc.nat(), to: keyName }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate-day' as const), at, day: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('agent-name' as const), to: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), hostileText) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('many-projects' as const),
        count: fc.integer({ min: 2, max: big ? 1000 : 60 }),
        name: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), hostileText),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('many-models' as const), at, count: fc.constantFrom(1, 50, 99, 100, 101, 150, 500) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('many-days' as const), count: fc.constantFrom(3661, 4000) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('deep' as const), at, depth: fc.constantFrom(10, 63, 64, 65, 100, 1000, 100_000) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('wide' as const), at, width: fc.constantFrom(100, 1000, big ? 100_000 : 10_000) }) },
  );
}

/** Damage to the JSON text itself. */
export type TextDamage =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'invalid-utf8'; at: number; bytes: number[] }
  | { kind: 'bom' }
  | { kind: 'raw-nul'; at: number }
  | { kind: 'utf16' }
  | { kind: 'latin1' }
  | { kind: 'trailing'; text: string }
  | { kind: 'duplicate-key' }
  | { kind: 'replace'; text: string };

export const textDamageArb: fc.Arbitrary<TextDamage> = fc.oneof(
  { weight: 20, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('invalid-utf8' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      bytes: fc.constantFrom<number[]>([0xff], [0xc0, 0x80], [0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xfe, 0xff]),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'bom' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw-nul' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'utf16' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'latin1' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('trailing' as const), text: fc.constantFrom('x', ',', '}', ' {}', '\u0000', '\n\n\n', ' '.repeat(100_000)) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'duplicate-key' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      text: fc.constantFrom(
        '',
        ' ',
        'null',
        '[]',
        '{}',
        '"daily"',
        '42',
        'true',
        '[{}]',
        '{"daily":null}',
        '{"daily":[null]}',
        '{"projects":{}}',
        '{"projects":[]}',
        '{"daily":{}}',
        '\u0000',
        'daily: yes',
        '<xml/>',
        '{"__proto__":{"daily":[]}}',
        '{"constructor":{"prototype":{"x":1}}}',
      ),
    }),
  },
);

const cut = (buffer: Buffer, fraction: number) => Math.floor(buffer.length * fraction);

export function damage(text: string, d: TextDamage): Buffer {
  const utf8 = Buffer.from(text, 'utf8');
  switch (d.kind) {
    case 'none':
      return utf8;
    case 'truncate':
      return utf8.subarray(0, cut(utf8, d.at));
    case 'invalid-utf8':
    case 'raw-nul': {
      const i = cut(utf8, d.at);
      return Buffer.concat([utf8.subarray(0, i), Buffer.from(d.kind === 'raw-nul' ? [0] : d.bytes), utf8.subarray(i)]);
    }
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
    case 'utf16':
      return Buffer.from(text, 'utf16le');
    case 'latin1':
      return Buffer.from(text, 'latin1');
    case 'trailing':
      return Buffer.concat([utf8, Buffer.from(d.text)]);
    case 'duplicate-key':
      // The same top-level key twice: JSON.parse keeps the last, other parsers the first.
      return text.startsWith('{"') ? Buffer.from(`{"daily":[],"projects":{},${text.slice(1)}`) : utf8;
    case 'replace':
      return Buffer.from(d.text);
  }
}

export const jsonContentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'application/json; charset=nonsense',
      'APPLICATION/JSON',
      'application/json;;;',
      'application/json; boundary=x',
      'application/jsonx',
      'application/vnd.api+json',
      'application/problem+json',
      'text/json',
      'text/plain',
      'text/csv',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      '*/*',
      '',
      'json',
      'application/json, text/plain',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** An upload body: a real sample, some mutations, maybe some damage to the text. */
export function uploadBodyArb(big: boolean): fc.Arbitrary<{ fixture: string; mutations: Mutation[]; damage: TextDamage }> {
  return fc.record({
    fixture: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...DAILY_FIXTURES) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_FIXTURES) }),
    mutations: fc.oneof(
      { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
      { weight: 3, arbitrary: fc.array(mutationArb(big), { minLength: 1, maxLength: 4 }) },
    ),
    damage: textDamageArb,
  });
}

export function uploadBody(spec: { fixture: string; mutations: Mutation[]; damage: TextDamage }): Buffer {
  return damage(mutate(sample(spec.fixture), spec.mutations), spec.damage);
}

/** Bodies for the small JSON endpoints (registration, tokens): a few fields, any values, any damage. */
export function smallBodyArb(field: string, values: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  const object = fc.oneof(
    { weight: 6, arbitrary: values.map((v) => ({ [field]: v })) },
    {
      weight: 2,
      arbitrary: fc.tuple(values, keyName, anyValue).map(([v, k, x]) => {
        const o: Record<string, Json> = { [field]: v as Json };
        setOwn(o, k, x as Json);
        return o;
      }),
    },
    {
      weight: 1,
      arbitrary: values.map((v) => {
        const o: Record<string, Json> = {};
        setOwn(o, '__proto__', { [field]: v as Json });
        return o;
      }),
    },
    { weight: 1, arbitrary: fc.constantFrom<Json>({}, [], null, 'x', 0, [{ [field]: 'x' }], { [field]: ['a', 'b'] }, { [field]: { toString: 'x' } }) },
  );
  return fc.tuple(object, textDamageArb).map(([o, d]) => damage(JSON.stringify(o) ?? 'null', d));
}
