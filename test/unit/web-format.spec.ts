import { addDays as serverAddDays } from '../../src/common/dates.js';
import { isoWeekStart } from '../../src/read-model/periods.js';
import {
  addDays,
  bucketOf,
  bucketsOf,
  dayNumber,
  fillSeries,
  formatCompact,
  formatCost,
  formatInt,
  formatShare,
  heatLevels,
  isDay,
  mondayOf,
  streaks,
  toCsv,
} from '../../web/src/format.js';

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

  it('writes shares as percentages', () => {
    expect(formatShare(0.4567)).toBe('45.7%');
    expect(formatShare(1)).toBe('100.0%');
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
