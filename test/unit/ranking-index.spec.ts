import { costUnits, parseUserRows, RankingIndex, unitsToCost, windowStartFor } from '../../src/read-model/ranking-index.js';

/** A user's rows as the loader packs them: `day,input,output,cacheCreation,cacheRead,total,cost`. */
const day = (date: string, input: number, cost = '0.0000') => `${date},${input},0,0,0,${input},${cost}`;
const month = (first: string, active: number, input: number, cost = '0.0000') => `${first},${active},${input},0,0,0,${input},${cost}`;

function indexOf(users: Record<string, { months?: string[]; days?: string[] }>, windowStart = '2026-09-01', retired: string[] = []) {
  const index = new RankingIndex(windowStart, new Set(retired));
  const names = Object.keys(users);
  index.setUsernames(names.map((username, i) => ({ id: i + 1, username })));
  names.forEach((name, i) => index.setUser(i + 1, parseUserRows(users[name].months?.join(';') ?? null, users[name].days?.join(';') ?? null)));
  return index;
}

describe('RankingIndex', () => {
  it('converts costs to ten-thousandths and back without float arithmetic', () => {
    expect(costUnits('12.3400')).toBe(123_400);
    expect(costUnits('0.0001')).toBe(1);
    expect(costUnits('-3.5000')).toBe(-35_000);
    expect(costUnits('99999999999.9999')).toBe(999_999_999_999_999);
    expect(unitsToCost(123_400)).toBe('12.3400');
    expect(unitsToCost(1)).toBe('0.0001');
    expect(unitsToCost(0)).toBe('0.0000');
    expect(unitsToCost(-35_000)).toBe('-3.5000');
    // 0.1 + 0.2 in floats is not 0.3; in units it is.
    expect(unitsToCost(costUnits('0.1000') + costUnits('0.2000'))).toBe('0.3000');
  });

  it('gives ties one rank, also when a page starts inside the tie', () => {
    const index = indexOf({
      ann: { days: [day('2026-11-02', 10)] },
      bob: { days: [day('2026-11-02', 30)] },
      cat: { days: [day('2026-11-02', 30)] },
      dan: { days: [day('2026-11-02', 30)] },
      eve: { days: [day('2026-11-02', 5)] },
    });
    const range = { from: '2026-11-01', to: '2026-11-20' }; // not the whole month: answered from days
    const page = (offset: number) => index.rank(range, 'input', 2, offset)!.entries.map((e) => [e.rank, e.username]);
    expect(page(0)).toEqual([
      [1, 'bob'],
      [1, 'cat'],
    ]);
    expect(page(2)).toEqual([
      [1, 'dan'],
      [4, 'ann'],
    ]);
    expect(page(4)).toEqual([[5, 'eve']]);
    expect(page(6)).toEqual([]);
    expect(index.rank(range, 'input', 2, 6)!.total).toBe(5);
  });

  it('adds whole months from monthly sums and the ends of a range from days', () => {
    const index = indexOf({
      ann: {
        months: [month('2026-09-01', 20, 1000, '5.0000'), month('2026-10-01', 2, 11, '0.5000')],
        days: [day('2026-10-01', 1, '0.1000'), day('2026-10-31', 10, '0.4000')],
      },
    });
    const [ann] = index.rank({ from: '2026-09-01', to: '2026-10-15' }, 'cost', 10, 0)!.entries;
    expect(ann.totals.inputTokens).toBe(1001);
    expect(ann.totals.totalCost).toBe('5.1000');
    expect(ann.activeDays).toBe(21);
    const [all] = index.rank(undefined, 'cost', 10, 0)!.entries;
    expect(all.totals.totalCost).toBe('5.5000');
    expect(all.activeDays).toBe(22);
  });

  it('does not answer partial months before its window unless they are retired (counted whole)', () => {
    const index = indexOf({ ann: { months: [month('2026-07-01', 3, 70)] } }, '2026-09-01', ['2026-07-01']);
    expect(index.rank({ from: '2026-08-10', to: '2026-09-05' }, 'input', 10, 0)).toBeUndefined();
    const ranking = index.rank({ from: '2026-07-10', to: '2026-07-12' }, 'input', 10, 0)!;
    expect(ranking.granularity).toBe('month');
    expect(ranking.entries[0].totals.inputTokens).toBe(70);
  });

  it('moves its window forward by dropping old days, keeping their months', () => {
    const index = indexOf({ ann: { months: [month('2026-09-01', 1, 4)], days: [day('2026-09-03', 4), day('2026-10-03', 6)] } });
    index.moveWindow('2026-10-01');
    expect(index.size()).toMatchObject({ users: 1, months: 1, days: 1 });
    expect(index.rank({ from: '2026-09-02', to: '2026-09-30' }, 'input', 1, 0)).toBeUndefined();
    expect(index.rank({ from: '2026-10-02', to: '2026-10-30' }, 'input', 1, 0)!.entries[0].totals.inputTokens).toBe(6);
  });

  it('forgets a user whose rows are gone', () => {
    const index = indexOf({ ann: { days: [day('2026-11-02', 1)] }, bob: { days: [day('2026-11-02', 2)] } });
    index.setUser(2, parseUserRows(null, null));
    expect(index.rank({ from: '2026-11-01', to: '2026-11-05' }, 'input', 10, 0)!.entries.map((e) => e.username)).toEqual(['ann']);
  });

  it('keeps the daily window from the first day of the month 100 days back', () => {
    expect(windowStartFor('2026-11-27', 100)).toBe('2026-08-01');
  });
});
