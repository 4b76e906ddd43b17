import { execFileSync } from 'node:child_process';
import { addDays as serverAddDays } from '../../src/common/dates.js';
import { DEVICE_PATTERN } from '../../src/ingestion/uploads.schemas.js';
import { isoWeekStart } from '../../src/read-model/periods.js';
import {
  addDays,
  bucketOf,
  bucketsOf,
  dayNumber,
  fillSeries,
  formatCompact,
  formatCost,
  formatCostCompact,
  formatDuration,
  formatInt,
  formatMetricValue,
  formatRate,
  formatShare,
  heatLevels,
  isDay,
  mondayOf,
  streaks,
  toCsv,
} from '../../web/src/format.js';
import { DEVICE_NAME, DEVICE_PLACEHOLDER, settingsJson, shellExports, shellWord, telemetryEnv, TOKEN_PLACEHOLDER } from '../../web/src/telemetry-settings.js';

describe('dashboard formatting', () => {
  it('groups whole numbers', () => {
    expect(formatInt(0)).toBe('0');
    expect(formatInt(1234567)).toBe('1,234,567');
    expect(formatInt(9_007_199_254_740_991)).toBe('9,007,199,254,740,991');
  });

  it('writes three significant digits with a unit, carrying into the next unit when rounding needs it', () => {
    expect(formatCompact(0)).toBe('0');
    expect(formatCompact(950)).toBe('950');
    expect(formatCompact(999)).toBe('999');
    expect(formatCompact(1000)).toBe('1k');
    expect(formatCompact(1234)).toBe('1.23k');
    expect(formatCompact(12_345)).toBe('12.3k');
    expect(formatCompact(123_456)).toBe('123k');
    expect(formatCompact(999_950)).toBe('1M');
    expect(formatCompact(12_345_678)).toBe('12.3M');
    expect(formatCompact(4_560_000_000)).toBe('4.56B');
    expect(formatCompact(-2500)).toBe('-2.5k');
    expect(formatCompact(2.5)).toBe('2.5');
    expect(formatCompact(0.125)).toBe('0.125');
    expect(formatCompact(12.3456)).toBe('12.3');
  });

  it('rounds decimal cost strings half up on their digits, not through binary floats', () => {
    expect(formatCost('54.8771')).toBe('$54.88');
    expect(formatCost('0.0049')).toBe('$0.00');
    expect(formatCost('0.005')).toBe('$0.01');
    expect(formatCost('1.005')).toBe('$1.01'); // 1.005 is 1.00499999… as a double
    expect(formatCost('1234.5')).toBe('$1,234.50');
    expect(formatCost('7')).toBe('$7.00');
    expect(formatCost('99.995')).toBe('$100.00');
    expect(formatCost('-0.001')).toBe('$0.00');
    expect(formatCost('-3.456')).toBe('-$3.46');
    expect(formatCost(2.5)).toBe('$2.50');
  });

  it('writes a cost the API withheld (null) as a dash, never $0.00, $null or NaN', () => {
    expect(formatCost(null)).toBe('—');
    expect(formatCostCompact(null)).toBe('—');
    expect(formatCostCompact('1234.5')).toBe('$1.23k');
  });

  it('writes shares as percentages', () => {
    expect(formatShare(0.4567)).toBe('45.7%');
    expect(formatShare(1)).toBe('100.0%');
  });
});

describe('dashboard durations and ranked values', () => {
  it('writes durations as hours and minutes, rounded to the minute, and short ones in seconds', () => {
    expect(formatDuration(0)).toBe('0 min');
    expect(formatDuration(-5)).toBe('0 min');
    expect(formatDuration(Number.NaN)).toBe('0 min');
    expect(formatDuration(0.423)).toBe('<1 s');
    expect(formatDuration(0.5)).toBe('1 s');
    expect(formatDuration(40.4)).toBe('40 s');
    expect(formatDuration(59.4)).toBe('59 s');
    // 59.5 s rounds to a whole minute, not to "60 s".
    expect(formatDuration(59.5)).toBe('1 min');
    expect(formatDuration(89)).toBe('1 min');
    expect(formatDuration(90)).toBe('2 min');
    expect(formatDuration(3599)).toBe('1 h');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(3600 + 25 * 60 + 10)).toBe('1 h 25 min');
    expect(formatDuration(7 * 3600 + 59 * 60 + 31)).toBe('8 h');
    expect(formatDuration(1234 * 3600 + 60)).toBe('1,234 h 1 min');
  });

  it('writes rates of a whole, and a dash when there is no whole', () => {
    expect(formatRate(3, 4)).toBe('75.0%');
    expect(formatRate(0, 2)).toBe('0.0%');
    expect(formatRate(0, 0)).toBe('–');
  });

  it('formats a leaderboard value by its metric: dollars, hours and minutes, or a count', () => {
    expect(formatMetricValue('cost', '1234.5678')).toBe('$1,234.57');
    expect(formatMetricValue('activeTime', '5400.25')).toBe('1 h 30 min');
    expect(formatMetricValue('activeTime', '0.423')).toBe('<1 s');
    expect(formatMetricValue('linesAdded', '1234567')).toBe('1,234,567');
    expect(formatMetricValue('sessions', '3')).toBe('3');
    expect(formatMetricValue('tokens', '4600000000')).toBe('4,600,000,000');
  });
});

describe('telemetry settings', () => {
  const origin = 'https://stats.example.com';

  it('lists Claude Code’s variables with this server and the token, in order', () => {
    expect(telemetryEnv({ origin, token: 'ccs_abc', device: 'laptop' })).toEqual([
      ['CLAUDE_CODE_ENABLE_TELEMETRY', '1'],
      ['OTEL_METRICS_EXPORTER', 'otlp'],
      ['OTEL_LOGS_EXPORTER', 'otlp'],
      ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf'],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', origin],
      ['OTEL_EXPORTER_OTLP_HEADERS', 'Authorization=Bearer ccs_abc'],
      ['OTEL_RESOURCE_ATTRIBUTES', 'ccstats.device=laptop'],
    ]);
    const placeholders = Object.fromEntries(telemetryEnv({ origin }));
    expect(placeholders.OTEL_EXPORTER_OTLP_HEADERS).toBe(`Authorization=Bearer ${TOKEN_PLACEHOLDER}`);
    expect(placeholders.OTEL_RESOURCE_ATTRIBUTES).toBe(`ccstats.device=${DEVICE_PLACEHOLDER}`);
    // Resource attribute values are percent-encoded; a device name's only character that needs it is the space.
    expect(Object.fromEntries(telemetryEnv({ origin, device: 'work laptop' })).OTEL_RESOURCE_ATTRIBUTES).toBe('ccstats.device=work%20laptop');
  });

  it('writes shell exports that a shell reads back as the same values, naming the machine with hostname by default', () => {
    const text = shellExports({ origin, token: 'ccs_abc' });
    expect(text.split('\n')).toEqual([
      'export CLAUDE_CODE_ENABLE_TELEMETRY=1',
      'export OTEL_METRICS_EXPORTER=otlp',
      'export OTEL_LOGS_EXPORTER=otlp',
      'export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
      `export OTEL_EXPORTER_OTLP_ENDPOINT=${origin}`,
      "export OTEL_EXPORTER_OTLP_HEADERS='Authorization=Bearer ccs_abc'",
      'export OTEL_RESOURCE_ATTRIBUTES="ccstats.device=$(hostname)"',
    ]);
    expect(shellExports({ origin, device: 'laptop' })).toContain('export OTEL_RESOURCE_ATTRIBUTES=ccstats.device=laptop');
    for (const [word, shell] of [
      ['plain', 'plain'],
      ["it's", `'it'\\''s'`],
      ['$(rm -rf ~)', "'$(rm -rf ~)'"],
      ['a b', "'a b'"],
    ]) {
      expect(shellWord(word)).toBe(shell);
      // What sh makes of the word is the word again.
      expect(execFileSync('/bin/sh', ['-c', `printf %s ${shellWord(word)}`], { encoding: 'utf8' })).toBe(word);
    }
  });

  it('writes a settings file whose env block holds the same variables', () => {
    const parsed = JSON.parse(settingsJson({ origin, token: 'ccs_abc', device: 'laptop' })) as { env: Record<string, string> };
    expect(Object.keys(parsed)).toEqual(['env']);
    expect(Object.entries(parsed.env)).toEqual(telemetryEnv({ origin, token: 'ccs_abc', device: 'laptop' }));
  });

  it('accepts the device names the server accepts', () => {
    for (const name of ['laptop', 'Alices-MacBook.local', 'work laptop', 'a', 'x'.repeat(64), 'x'.repeat(65), '-lead', '', 'a/b', 'dev:1@home', 'ümlaut']) {
      expect([name, DEVICE_NAME.test(name)]).toEqual([name, DEVICE_PATTERN.test(name)]);
    }
  });
});

describe('dashboard days', () => {
  it('does day arithmetic as the server does, across a century of days', () => {
    for (let n = 0; n < 36_600; n += 37) {
      const day = serverAddDays('1970-01-01', n);
      expect(addDays('1970-01-01', n)).toBe(day);
      expect(dayNumber(day)).toBe(n);
      expect(mondayOf(day)).toBe(isoWeekStart(day));
    }
  });

  it('accepts only real calendar days', () => {
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2025-02-29')).toBe(false);
    expect(isDay('2025-13-01')).toBe(false);
    expect(isDay('2025-1-01')).toBe(false);
    expect(isDay(null)).toBe(false);
  });

  it('lists the buckets of a range as the API labels them', () => {
    expect(bucketsOf('day', '2025-02-27', '2025-03-02')).toEqual(['2025-02-27', '2025-02-28', '2025-03-01', '2025-03-02']);
    expect(bucketsOf('week', '2025-06-01', '2025-06-16')).toEqual(['2025-05-26', '2025-06-02', '2025-06-09', '2025-06-16']);
    expect(bucketsOf('month', '2024-11-15', '2025-02-01')).toEqual(['2024-11-01', '2024-12-01', '2025-01-01', '2025-02-01']);
    expect(bucketOf('month', '2025-06-30')).toBe('2025-06-01');
    expect(bucketsOf('day', '2000-01-01', '2099-12-31', 10)).toHaveLength(10);
  });

  it('fills missing buckets with zeros', () => {
    const rows = [
      { date: '2025-06-02', n: 5 },
      { date: '2025-06-04', n: 7 },
    ];
    expect(fillSeries(rows, bucketsOf('day', '2025-06-01', '2025-06-05'), [(r) => r.n])).toEqual([[0, 5, 0, 7, 0]]);
  });

  it('counts streaks back from today, or from yesterday while today is empty', () => {
    const days = ['2025-06-01', '2025-06-02', '2025-06-03', '2025-06-05', '2025-06-06'];
    expect(streaks(days, '2025-06-06')).toEqual({ current: 2, longest: 3 });
    expect(streaks(days, '2025-06-07')).toEqual({ current: 2, longest: 3 });
    expect(streaks(days, '2025-06-08')).toEqual({ current: 0, longest: 3 });
    expect(streaks([...days, '2025-06-02'], '2025-06-03')).toEqual({ current: 3, longest: 3 });
    expect(streaks([], '2025-06-03')).toEqual({ current: 0, longest: 0 });
  });

  it('shades a heatmap by quartiles of the days with use', () => {
    expect(heatLevels([0, 1, 2, 3, 4, 0])).toEqual([0, 1, 2, 3, 4, 0]);
    expect(heatLevels([0, 0])).toEqual([0, 0]);
    expect(heatLevels([9, 1, 5, 3, 7, 0, 2, 8])).toEqual([4, 1, 2, 2, 3, 0, 1, 3]);
    expect(new Set(heatLevels([5, 5, 5])).size).toBe(1);
  });

  it('quotes CSV cells that need it', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"']])).toBe('a,b\r\n"x,y","say ""hi"""\r\n');
  });
});
