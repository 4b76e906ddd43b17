import { csvField, neutralizeFormula } from '../../src/common/csv.js';
import { addDays, dayNumber, daysBetween } from '../../src/common/dates.js';
import { capLogLine, errorForLog, MAX_LOG_LINE } from '../../src/common/logging.js';
import { toProblem } from '../../src/common/problem.js';
import { isPrintable } from '../../src/common/text.js';
import { MAX_RANGE_MONTHS, monthMasks, splitByMonths } from '../../src/read-model/periods.js';

/** Pure functions behind the input bounds of issue 8: no database, no app. */

describe('days as numbers', () => {
  it('orders the years after 9999 after 9999, where their ISO strings sort before it', () => {
    const after = addDays('9999-12-31', 1);
    expect(after).toBe('+010000-01'); // toISOString's 6-digit year, cut to 10 characters
    expect(after < '9999-12-31').toBe(true); // the string comparison the old loops made
    expect(dayNumber('9999-12-31')).toBe(2_932_896);
    expect(daysBetween('2025-01-01', '2025-12-31')).toBe(365);
  });

  it('splitByMonths ends at the last day of 9999 (it looped forever, growing memory)', () => {
    expect(splitByMonths({ from: '9999-12-31', to: '9999-12-31' })).toEqual({ months: [], edges: [{ from: '9999-12-31', to: '9999-12-31' }] });
    expect(splitByMonths({ from: '9999-12-01', to: '9999-12-31' })).toEqual({ months: ['9999-12-01'], edges: [] });
    expect(monthMasks({ from: '9999-12-30', to: '9999-12-31' })).toEqual([{ month: '9999-12-01', mask: (1 << 29) | (1 << 30) }]);
  });

  it('every loop over a range stops at MAX_RANGE_MONTHS whatever it is given', () => {
    expect(() => splitByMonths({ from: '1900-01-15', to: '2100-01-15' })).toThrow(RangeError);
    expect(() => monthMasks({ from: '1900-01-01', to: '2100-01-01' })).toThrow(RangeError);
    const longest = monthMasks({ from: '2015-01-01', to: addDays('2015-01-01', 3659) });
    expect(longest.length).toBeLessThanOrEqual(MAX_RANGE_MONTHS);
    expect(splitByMonths({ from: '2015-01-02', to: addDays('2015-01-02', 3659) }).months).toHaveLength(119);
  });

  it('a range with an invalid day touches no month', () => {
    expect(monthMasks({ from: 'nonsense', to: '2025-01-01' })).toEqual([]);
  });
});

describe('printable names', () => {
  it.each(['claude-sonnet-4-20250514', '<synthetic>', 'us.anthropic.claude-3-5 (v2)', 'модель', '模型-7', 'café au lait', 'a'])('accepts %j', (name) => {
    expect(isPrintable(name)).toBe(true);
  });
  it.each([
    '',
    ' lead',
    'trail ',
    'nul\u0000',
    'tab\t',
    'cr\r',
    'del\u007f',
    'c1\u0085',
    'zw\u200b',
    'rtl\u202e',
    'bom\ufeff',
    'ls\u2028',
    'nbsp\u00a0x',
    '\ud800',
    'pua\ue000',
  ])('refuses %j', (name) => expect(isPrintable(name)).toBe(false));
});

describe('CSV formula neutralisation (OWASP)', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+cmd', "'+cmd"],
    ['-cmd', "'-cmd"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['claude', 'claude'],
    ['-12.5000', '-12.5000'],
    ['12', '12'],
  ])('%j → %j', (text, expected) => expect(neutralizeFormula(text)).toBe(expected));

  it('leaves numbers alone and quotes what RFC 4180 quotes', () => {
    expect(csvField(-3)).toBe('-3');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('\rx')).toBe(`"'\rx"`);
  });
});

describe('log lines', () => {
  it('a line over the cap keeps its level, time, request id and the start of its message', () => {
    const line = `${JSON.stringify({ level: 50, time: 1, pid: 7, req: { id: 'r-1' }, msg: 'boom '.repeat(10_000), data: 'x'.repeat(50_000) })}\n`;
    const capped = capLogLine(line);
    expect(capped.length).toBeLessThanOrEqual(MAX_LOG_LINE);
    expect(capped.endsWith('\n')).toBe(true);
    const entry = JSON.parse(capped);
    expect(entry).toMatchObject({ level: 50, time: 1, pid: 7, requestId: 'r-1', truncated: true, originalLength: line.length });
    expect(entry.msg.startsWith('boom boom')).toBe(true);
    expect(capped).not.toContain('xxxx');
  });

  it('short lines pass untouched', () => {
    const line = '{"level":30,"msg":"ok"}\n';
    expect(capLogLine(line)).toBe(line);
  });

  it("an error keeps its SQLSTATE and statement, never the statement's parameters", () => {
    const cause = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const error = Object.assign(new Error(`Failed query: INSERT INTO t VALUES ($1)\nparams: ${'secret-user-data,'.repeat(100_000)}`), { cause });
    const logged = errorForLog(error);
    expect(logged).toMatchObject({
      type: 'Error',
      code: '22021',
      message: 'Failed query: INSERT INTO t VALUES ($1)',
      cause: 'invalid byte sequence for encoding "UTF8": 0x00',
    });
    expect(JSON.stringify(logged)).not.toContain('secret-user-data');
    expect(JSON.stringify(logged).length).toBeLessThan(8_000);
  });
});

describe('problems for errors nobody threw on purpose', () => {
  it('a pool that gave up waiting for a connection is a 503 with Retry-After, not a 500', () => {
    const { problem } = toProblem(new Error('timeout exceeded when trying to connect'));
    expect(problem).toMatchObject({ status: 503, type: 'urn:ccstats:problem:service-unavailable', retryAfterSeconds: 1 });
    const wrapped = toProblem(Object.assign(new Error('Failed query: select 1'), { cause: new Error('timeout exceeded when trying to connect') }));
    expect(wrapped.problem.status).toBe(503);
  });

  it('text PostgreSQL cannot store is a 400; anything else stays a bare 500', () => {
    expect(
      toProblem(Object.assign(new Error('Failed query'), { cause: Object.assign(new Error('invalid byte sequence'), { code: '22021' }) })).problem.status,
    ).toBe(400);
    expect(toProblem(new Error('anything else')).problem).toMatchObject({ status: 500, detail: expect.not.stringContaining('anything') });
  });
});
