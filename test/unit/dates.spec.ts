import { z } from 'zod';
import {
  addDays,
  calendarDay,
  checkRange,
  dayNumber,
  daysBetween,
  EARLIEST_DAY,
  isCalendarDay,
  latestReadDay,
  latestUploadDay,
  MAX_RANGE_DAYS,
  utcDay,
} from '../../src/common/dates.js';

/** UTC calendar days: what a day is, how far apart two are, and the bounds requests must stay inside. */

describe('utcDay and addDays', () => {
  it('take the UTC day, whatever the offset the instant was written with', () => {
    expect(utcDay(new Date('2024-12-31T23:00:00-05:00'))).toBe('2025-01-01'); // 04:00 UTC
    expect(utcDay(new Date('2025-01-01T00:30:00+01:00'))).toBe('2024-12-31');
    expect(utcDay(new Date('2025-03-01T12:00:00Z'), -1)).toBe('2025-02-28');
    expect(utcDay(new Date('2024-03-01T12:00:00Z'), -1)).toBe('2024-02-29');
  });

  it('step over month, year and leap-day edges', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addDays('2025-01-31', 30)).toBe('2025-03-02');
    expect(addDays('2025-06-15', 0)).toBe('2025-06-15');
  });
});

describe('dayNumber and daysBetween', () => {
  it('count days since 1970-01-01', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('1970-02-01')).toBe(31);
    expect(dayNumber('2000-01-01')).toBe(30 * 365 + 7); // leap years 1972..1996
  });

  it('count both ends of a range', () => {
    expect(daysBetween('2025-06-01', '2025-06-01')).toBe(1);
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(3);
    expect(daysBetween('2023-02-28', '2023-03-01')).toBe(2);
    expect(daysBetween('2024-01-01', '2024-12-31')).toBe(366);
  });
});

describe('isCalendarDay', () => {
  it.each(['1970-01-01', '2024-02-29', '2000-02-29', '2025-12-31', '9999-12-31'])('%s is a day', (day) => {
    expect(isCalendarDay(day)).toBe(true);
  });

  it.each([
    '1969-12-31', // before the epoch
    '2023-02-29', // not a leap year
    '1900-02-29', // nor was 1900
    '2025-04-31',
    '2025-13-01',
    '2025-00-10',
    '2025-01-00',
    '2025-1-01',
    '20250101',
    ' 2025-01-01',
    '2025-01-01T00:00:00Z',
    '２０２５-01-01', // full-width digits
    '',
  ])('%j is not', (day) => {
    expect(isCalendarDay(day)).toBe(false);
  });
});

describe('the days a request may name', () => {
  it('reads reach 31 December of next year; uploads reach tomorrow, both in UTC', () => {
    expect(latestReadDay(new Date('2025-12-31T23:59:59Z'))).toBe('2026-12-31');
    expect(latestReadDay(new Date('2026-01-01T00:00:00Z'))).toBe('2027-12-31');
    expect(latestUploadDay(new Date('2025-12-31T12:00:00Z'))).toBe('2026-01-01');
    expect(latestUploadDay(new Date('2024-02-28T23:59:59Z'))).toBe('2024-02-29');
  });

  it('calendarDay takes days from EARLIEST_DAY to the end of next year', () => {
    const nextYear = new Date().getUTCFullYear() + 1;
    const messages = (day: string) => {
      const result = calendarDay.safeParse(day);
      return result.success ? [] : result.error.issues.map((i) => i.message);
    };
    expect(EARLIEST_DAY).toBe('2000-01-01');
    expect(messages('2000-01-01')).toEqual([]);
    expect(messages(`${nextYear}-12-31`)).toEqual([]);
    expect(messages('1999-12-31')).toEqual(['must be from 2000-01-01 to the end of next year']);
    expect(messages(`${nextYear + 1}-01-01`)).toEqual(['must be from 2000-01-01 to the end of next year']);
    // A malformed day is told so once, not also that it is out of range.
    expect(messages('2025-02-30')).toEqual(['must be a calendar day YYYY-MM-DD']);
    expect(messages('2025-01-01x')).toEqual(expect.arrayContaining(['must be a calendar day YYYY-MM-DD']));
  });
});

describe('checkRange', () => {
  const range = z.object({ from: z.string().optional(), to: z.string().optional() }).superRefine(checkRange);
  const issues = (from?: string, to?: string) => {
    const result = range.safeParse({ from, to });
    return result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  };

  it('takes one day, an open end, and a range of exactly MAX_RANGE_DAYS days', () => {
    expect(MAX_RANGE_DAYS).toBe(3660);
    expect(issues('2025-06-01', '2025-06-01')).toEqual([]);
    expect(issues('2025-06-01', undefined)).toEqual([]);
    expect(issues(undefined, '2025-06-01')).toEqual([]);
    // 2000..2009 are 3653 days (three leap years), and 1..7 January 2010 seven more: 3660.
    expect(issues('2000-01-01', '2010-01-07')).toEqual([]);
  });

  it('refuses a range one day longer, at `to`, and a reversed range, at `from`', () => {
    expect(issues('2000-01-01', '2010-01-08')).toEqual([{ path: 'to', message: 'the range may span at most 3660 days (10 years)' }]);
    expect(issues('2025-06-02', '2025-06-01')).toEqual([{ path: 'from', message: 'must not be after to (2025-06-01)' }]);
  });

  it('leaves days that are not calendar days to the field rules', () => {
    expect(issues('nonsense', '2025-06-01')).toEqual([]);
  });
});
