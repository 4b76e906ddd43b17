import { PgDialect } from 'drizzle-orm/pg-core';
import { usageStats } from '../../src/db/schema.js';
import {
  bucketOf,
  bucketRange,
  isoWeekStart,
  lastDayOfMonth,
  MAX_RANGE_MONTHS,
  monthMasks,
  periodRange,
  recentBuckets,
  splitByMonths,
} from '../../src/read-model/periods.js';

/** Periods, buckets, month splits and day masks: the calendar arithmetic every read relies on. */

describe('periodRange', () => {
  it.each([
    ['today', '2024-02-29', { from: '2024-02-29', to: '2024-02-29' }],
    ['7d', '2024-03-03', { from: '2024-02-26', to: '2024-03-03' }],
    ['30d', '2024-03-01', { from: '2024-02-01', to: '2024-03-01' }], // 29 days back through a 29-day February
    ['90d', '2025-01-15', { from: '2024-10-18', to: '2025-01-15' }],
    ['week', '2025-01-01', { from: '2024-12-30', to: '2025-01-05' }], // ISO week across the new year (Wednesday)
    ['week', '2025-06-01', { from: '2025-05-26', to: '2025-06-01' }], // a Sunday ends its week
    ['month', '2024-02-10', { from: '2024-02-01', to: '2024-02-29' }],
    ['month', '2023-02-10', { from: '2023-02-01', to: '2023-02-28' }],
    ['year', '2025-07-04', { from: '2025-01-01', to: '2025-12-31' }],
  ] as const)('%s on %s', (period, today, range) => {
    expect(periodRange(period, today)).toEqual(range);
  });

  it('all has no range', () => {
    expect(periodRange('all', '2025-07-04')).toBeUndefined();
  });
});

describe('recentBuckets', () => {
  it.each([
    ['day', '2024-03-01', { from: '2023-12-03', to: '2024-03-01' }], // 90 days through a leap February
    ['week', '2025-01-01', { from: '2024-10-07', to: '2025-01-01' }], // 13 ISO weeks, from a Monday
    ['week', '2025-06-02', { from: '2025-03-10', to: '2025-06-02' }], // on a Monday
    ['month', '2025-01-15', { from: '2024-02-01', to: '2025-01-15' }], // 12 months across the new year
    ['month', '2025-12-31', { from: '2025-01-01', to: '2025-12-31' }],
  ] as const)('%s on %s', (granularity, today, range) => {
    expect(recentBuckets(granularity, today)).toEqual(range);
  });
});

describe('calendar helpers', () => {
  it('finds the ISO Monday and the last day of a month', () => {
    expect(isoWeekStart('2025-06-02')).toBe('2025-06-02'); // a Monday
    expect(isoWeekStart('2021-01-03')).toBe('2020-12-28'); // Sunday of ISO week 53 of 2020
    expect(lastDayOfMonth('2100-02-11')).toBe('2100-02-28'); // 2100 is not a leap year
    expect(lastDayOfMonth('2000-02-11')).toBe('2000-02-29'); // 2000 is
    expect(lastDayOfMonth('2025-12-31')).toBe('2025-12-31');
  });

  it('gives the days a bucket label stands for', () => {
    expect(bucketRange('day', '2025-06-03')).toEqual({ from: '2025-06-03', to: '2025-06-03' });
    expect(bucketRange('week', '2024-12-30')).toEqual({ from: '2024-12-30', to: '2025-01-05' });
    expect(bucketRange('month', '2024-02-01')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
  });

  it('labels rows by day, ISO week or month in SQL', () => {
    const text = (g: 'day' | 'week' | 'month') => new PgDialect().sqlToQuery(bucketOf(g, usageStats.date)).sql;
    expect(text('day')).toBe('"usage_stats"."date"');
    expect(text('week')).toBe(`date_trunc('week', "usage_stats"."date")::date`);
    expect(text('month')).toBe(`date_trunc('month', "usage_stats"."date")::date`);
  });
});

describe('splitByMonths and monthMasks', () => {
  it('reads whole months from the monthly summaries and only the edges from days', () => {
    expect(splitByMonths({ from: '2025-01-15', to: '2025-04-10' })).toEqual({
      months: ['2025-02-01', '2025-03-01'],
      edges: [
        { from: '2025-01-15', to: '2025-01-31' },
        { from: '2025-04-01', to: '2025-04-10' },
      ],
    });
    // A range inside one month is all edge; one whole month is all month.
    expect(splitByMonths({ from: '2025-02-03', to: '2025-02-05' })).toEqual({ months: [], edges: [{ from: '2025-02-03', to: '2025-02-05' }] });
    expect(splitByMonths({ from: '2024-02-01', to: '2024-02-29' })).toEqual({ months: ['2024-02-01'], edges: [] });
  });

  it('counts the month past the last day with data as whole (nothing later can be in it)', () => {
    expect(splitByMonths({ from: '2025-03-01', to: '2025-03-20' }, '2025-03-10')).toEqual({ months: ['2025-03-01'], edges: [] });
  });

  it('sets bit d-1 for day d of each month touched', () => {
    expect(monthMasks({ from: '2025-01-30', to: '2025-02-02' })).toEqual([
      { month: '2025-01-01', mask: (1 << 29) | (1 << 30) },
      { month: '2025-02-01', mask: 0b11 },
    ]);
    // All 31 days of a month: bits 0..30.
    expect(monthMasks({ from: '2025-03-01', to: '2025-03-31' })).toEqual([{ month: '2025-03-01', mask: 2 ** 31 - 1 }]);
  });
});

describe('periods at ISO week, month and year edges', () => {
  it.each([
    ['week', '2026-01-01', { from: '2025-12-29', to: '2026-01-04' }], // a Thursday: its week starts in the old year
    ['week', '2020-12-31', { from: '2020-12-28', to: '2021-01-03' }], // ISO week 53 of 2020
    ['week', '2024-02-29', { from: '2024-02-26', to: '2024-03-03' }],
    ['month', '2025-12-31', { from: '2025-12-01', to: '2025-12-31' }],
    ['month', '2100-02-15', { from: '2100-02-01', to: '2100-02-28' }],
    ['year', '2024-12-31', { from: '2024-01-01', to: '2024-12-31' }],
    ['year', '2025-01-01', { from: '2025-01-01', to: '2025-12-31' }],
    ['7d', '2025-01-03', { from: '2024-12-28', to: '2025-01-03' }],
    ['90d', '2024-03-31', { from: '2024-01-02', to: '2024-03-31' }], // 30 days of January, 29 of February, 31 of March
  ] as const)('%s on %s', (period, today, range) => {
    expect(periodRange(period, today)).toEqual(range);
  });

  it('isoWeekStart is the Monday on or before every day of two years', () => {
    const wrong: string[] = [];
    for (let n = 0; n < 731; n++) {
      const day = new Date(Date.UTC(2024, 0, 1 + n)).toISOString().slice(0, 10);
      const monday = new Date(`${isoWeekStart(day)}T00:00:00Z`);
      const back = (Date.parse(`${day}T00:00:00Z`) - monday.getTime()) / 86_400_000;
      if (monday.getUTCDay() !== 1 || back < 0 || back > 6) wrong.push(day);
    }
    expect(wrong).toEqual([]);
  });

  it('a week label covers seven days across a year end; a February, 28 or 29', () => {
    expect(bucketRange('week', '2020-12-28')).toEqual({ from: '2020-12-28', to: '2021-01-03' });
    expect(bucketRange('month', '2100-02-01')).toEqual({ from: '2100-02-01', to: '2100-02-28' });
    expect(bucketRange('month', '2400-02-01')).toEqual({ from: '2400-02-01', to: '2400-02-29' });
  });
});

describe('month splits across a year and with data ending mid-range', () => {
  it('keeps the edges in the months they belong to', () => {
    expect(splitByMonths({ from: '2024-12-15', to: '2025-02-10' })).toEqual({
      months: ['2025-01-01'],
      edges: [
        { from: '2024-12-15', to: '2024-12-31' },
        { from: '2025-02-01', to: '2025-02-10' },
      ],
    });
  });

  it('takes the last month whole only when the range reaches the last day with data', () => {
    expect(splitByMonths({ from: '2024-12-15', to: '2025-02-10' }, '2025-02-05')).toEqual({
      months: ['2025-01-01', '2025-02-01'],
      edges: [{ from: '2024-12-15', to: '2024-12-31' }],
    });
    expect(splitByMonths({ from: '2025-03-01', to: '2025-03-05' }, '2025-03-10')).toEqual({ months: [], edges: [{ from: '2025-03-01', to: '2025-03-05' }] });
  });

  it('masks a leap February with 29 bits and a common one with 28', () => {
    expect(monthMasks({ from: '2024-02-01', to: '2024-02-29' })).toEqual([{ month: '2024-02-01', mask: 2 ** 29 - 1 }]);
    expect(monthMasks({ from: '2023-02-01', to: '2023-02-28' })).toEqual([{ month: '2023-02-01', mask: 2 ** 28 - 1 }]);
    expect(monthMasks({ from: '2023-02-27', to: '2023-03-01' })).toEqual([
      { month: '2023-02-01', mask: (1 << 26) | (1 << 27) },
      { month: '2023-03-01', mask: 1 },
    ]);
  });
});

describe('the longest range a request may name, from the edge days of months of a leap year', () => {
  // Worked out apart from periods.ts: the Gregorian leap rule, and days counted from the epoch.
  const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const daysIn = (month: string) => {
    const [y, m] = month.split('-').map(Number) as [number, number];
    return [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  };
  const epochDay = (day: string) => Date.parse(`${day}T00:00:00Z`) / 86_400_000;
  const LONGEST = 3660; // MAX_RANGE_DAYS
  // Days 1, 2, 15 and 28 to 31 of a 31-day month, the leap February, a 30-day month and December (25 starts):
  // the days of the month that start a split differently. Ten years on, the ranges cross every kind of month.
  const starts = ['01', '02', '04', '12'].flatMap((month) =>
    [1, 2, 15, 28, 29, 30, 31].filter((d) => d <= daysIn(`2024-${month}-01`)).map((d) => `2024-${month}-${String(d).padStart(2, '0')}`),
  );
  const rangeFrom = (from: string) => ({ from, to: new Date(Date.parse(`${from}T00:00:00Z`) + (LONGEST - 1) * 86_400_000).toISOString().slice(0, 10) });

  it('MAX_RANGE_MONTHS leaves room for every such range', () => {
    expect(MAX_RANGE_MONTHS).toBe(133); // ceil(3660 / 28) + 2
    expect(starts).toHaveLength(7 + 5 + 6 + 7);
  });

  it('splitByMonths covers each day exactly once: whole months and edges, in order, without gaps', () => {
    for (const from of starts) {
      const range = rangeFrom(from);
      const { months, edges } = splitByMonths(range);
      const pieces = [
        ...months.map((m) => ({ from: m, days: daysIn(m), whole: true })),
        ...edges.map((e) => ({ from: e.from, days: epochDay(e.to) - epochDay(e.from) + 1, whole: false })),
      ].sort((a, b) => epochDay(a.from) - epochDay(b.from));
      let next = epochDay(range.from);
      for (const piece of pieces) {
        if (epochDay(piece.from) !== next || (piece.whole && !piece.from.endsWith('-01'))) throw new Error(`${from}: piece ${piece.from} out of place`);
        next += piece.days;
      }
      expect(next - 1).toBe(epochDay(range.to));
      expect(edges.length).toBeLessThanOrEqual(2);
    }
  });

  it('monthMasks sets one bit per day, months in a row, the inner ones full', () => {
    for (const from of starts) {
      const range = rangeFrom(from);
      const masks = monthMasks(range);
      let bits = 0;
      masks.forEach(({ month, mask }, i) => {
        for (let d = 0; d < 31; d++) if (mask & (1 << d)) bits++;
        const inner = i > 0 && i < masks.length - 1;
        if (inner && mask !== 2 ** daysIn(month) - 1) throw new Error(`${from}: ${month} is not full`);
        if (i > 0 && epochDay(month) !== epochDay(masks[i - 1].month) + daysIn(masks[i - 1].month)) throw new Error(`${from}: ${month} skips a month`);
      });
      expect(bits).toBe(LONGEST);
      expect(masks[0].mask & (1 << (Number(from.slice(8)) - 1))).not.toBe(0);
      expect(masks[0].mask & ((1 << (Number(from.slice(8)) - 1)) - 1)).toBe(0); // nothing before the first day
    }
  });
});
