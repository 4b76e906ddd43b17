import { PgDialect } from 'drizzle-orm/pg-core';
import { usageStats } from '../../src/db/schema.js';
import { bucketOf, bucketRange, isoWeekStart, lastDayOfMonth, monthMasks, periodRange, splitByMonths } from '../../src/read-model/periods.js';

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
