import { dayNumber } from '../../src/common/dates.js';
import { Audience } from '../../src/directory/audience.js';
import { Admission } from '../../src/read-model/admission.js';
import { costUnits, dayOf, parseUserRows, RankingIndex, unitsToCost, windowStartFor } from '../../src/read-model/ranking-index.js';
import { seededRandom } from '../helpers/random.js';

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
    expect(costUnits('7')).toBe(70_000);
    expect(costUnits('7.5')).toBe(75_000);
  });

  it('numbers days as common/dates.ts does, across leap years and centuries', () => {
    for (let n = dayNumber('1999-12-25'); n <= dayNumber('2101-03-05'); n += 1) {
      const text = new Date(n * 86_400_000).toISOString().slice(0, 10);
      if (dayOf(text) !== n) expect({ text, day: dayOf(text) }).toEqual({ text, day: n });
    }
    expect(dayOf('2000-02-29')).toBe(dayNumber('2000-02-29'));
    expect(dayOf('1970-01-01')).toBe(0);
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

  it('ranks only admitted users, numbered among themselves, on every page and for every user', () => {
    const next = seededRandom(20261128);
    const names = Array.from({ length: 60 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    // Few distinct values, so that ties are common and straddle admitted and refused users.
    const values = names.map(() => 1 + Math.floor(next() * 8));
    const index = indexOf(Object.fromEntries(names.map((n, i) => [n, { days: [day('2026-11-02', values[i])] }])));
    const range = { from: '2026-11-01', to: '2026-11-20' };
    const ids = names.map((_, i) => i + 1);
    for (let round = 0; round < 25; round++) {
      const hidden = ids.filter(() => next() < 0.3);
      const members = round % 2 === 0 ? undefined : ids.filter(() => next() < 0.5);
      const viewer = ids[Math.floor(next() * ids.length)];
      const audience = Audience.of({ kind: 'user', userId: viewer, username: names[viewer - 1], tokenId: 1 }, hidden, []);
      const admission = Admission.of(audience, 'input', members);
      // Expected, from the rule alone: the admitted users by value, then name; a rank is one more than the admitted users with more.
      const admitted = ids.filter((id) => !hidden.includes(id) && (!members || members.includes(id)));
      const expected = admitted
        .map((id) => ({ id, value: values[id - 1], username: names[id - 1] }))
        .sort((a, b) => b.value - a.value || (a.username < b.username ? -1 : 1))
        .map((u, _, all) => [all.filter((o) => o.value > u.value).length + 1, u.username]);
      for (const [limit, offset] of [
        [500, 0],
        [7, 0],
        [7, 7],
        [3, 11],
        [10, admitted.length],
      ]) {
        const ranking = index.rank(range, 'input', limit, offset, admission)!;
        expect(ranking.total).toBe(admitted.length);
        expect(ranking.entries.map((e) => [e.rank, e.username])).toEqual(expected.slice(offset, offset + limit));
      }
      for (const id of ids) {
        const place = index.rankOf(range, 'input', id, admission)!;
        const at = expected.findIndex(([, name]) => name === names[id - 1]);
        expect([id, place.rank, place.total]).toEqual([id, at < 0 ? null : expected[at][0], admitted.length]);
      }
    }
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

  it("finds one user's rank with the tie rule of the whole ranking", () => {
    const index = indexOf({
      ann: { days: [day('2026-11-02', 10, '1.5000')] },
      bob: { days: [day('2026-11-02', 30, '2.0000')] },
      cat: { days: [day('2026-11-02', 30, '2.0000')] },
      dan: { days: [day('2026-11-03', 30, '0.0001')] },
      eve: { days: [day('2026-10-02', 5)] },
    });
    const range = { from: '2026-11-01', to: '2026-11-20' };
    expect(index.rankOf(range, 'input', 2)).toEqual({ rank: 1, total: 4, value: '30' });
    expect(index.rankOf(range, 'input', 4)).toEqual({ rank: 1, total: 4, value: '30' });
    expect(index.rankOf(range, 'input', 1)).toEqual({ rank: 4, total: 4, value: '10' });
    expect(index.rankOf(range, 'cost', 3)).toEqual({ rank: 1, total: 4, value: '2.0000' });
    expect(index.rankOf(range, 'cost', 4)).toEqual({ rank: 4, total: 4, value: '0.0001' });
    expect(index.rankOf(range, 'cost', 5)).toEqual({ rank: null, total: 4, value: '0.0000' });
    expect(index.rankOf(range, 'tokens', 99)).toEqual({ rank: null, total: 4, value: '0' });
    expect(index.rankOf({ from: '2026-07-10', to: '2026-11-20' }, 'cost', 1)).toBeUndefined();
  });

  it("gives users' daily values over a range inside its window, zeros where they have none", () => {
    const index = indexOf({ ann: { days: [day('2026-11-02', 10, '1.5000'), day('2026-11-04', 7, '0.0100')] }, bob: {} });
    const range = { from: '2026-11-01', to: '2026-11-04' };
    expect(index.dailyValues([1, 2, 9], range, 'input')).toEqual(
      new Map([
        [1, ['0', '10', '0', '7']],
        [2, ['0', '0', '0', '0']],
        [9, ['0', '0', '0', '0']],
      ]),
    );
    expect(index.dailyValues([1], range, 'cost')!.get(1)).toEqual(['0.0000', '1.5000', '0.0000', '0.0100']);
    expect(index.dailyValues([1], { from: '2026-08-31', to: '2026-09-01' }, 'cost')).toBeUndefined();
  });

  it('keeps the daily window from the first day of the month 100 days back', () => {
    expect(windowStartFor('2026-11-27', 100)).toBe('2026-08-01');
  });
});

describe('RankingIndex kept up to date user by user', () => {
  it('ranks after every change exactly as an index built from scratch on the same rows', () => {
    const next = seededRandom(20261127);
    const int = (n: number) => Math.floor(next() * n);
    // Few distinct values, so ties are common.
    const value = () => [0, 5, 5, 10, 1000, 123_456][int(6)];
    const monthsOf = ['2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01', '2026-10-01', '2026-11-01'];
    const rowsFor = () => {
      const months = monthsOf.filter(() => next() < 0.6).map((m) => month(m, 1 + int(20), value(), `${value()}.${String(int(10_000)).padStart(4, '0')}`));
      const days: string[] = [];
      for (let d = 0; d < 120; d++) if (next() < 0.3) days.push(day(addDaysTo('2026-08-01', d), value(), `${value()}.0000`));
      return { months, days };
    };
    const names = new Map<number, string>();
    const data = new Map<number, ReturnType<typeof parseUserRows>>();
    const ordered = () => [...names].map(([id, username]) => ({ id, username })).sort((a, b) => (a.username < b.username ? -1 : 1));
    const live = new RankingIndex('2026-08-01', new Set(['2026-06-01']));
    const fresh = () => {
      const index = new RankingIndex('2026-08-01', new Set(['2026-06-01']));
      index.setUsernames(ordered());
      for (const [id, rows] of data) index.setUser(id, rows);
      return index;
    };
    const ranges = [
      undefined,
      { from: '2026-11-21', to: '2026-11-27' },
      { from: '2026-10-29', to: '2026-11-27' },
      { from: '2026-08-30', to: '2026-11-27' },
      { from: '2026-06-10', to: '2026-09-15' },
      { from: '2026-09-01', to: '2026-10-31' },
    ];
    const metrics = ['cost', 'tokens', 'input', 'cacheRead'] as const;
    let compared = 0;
    for (let step = 0; step < 200; step++) {
      // Mostly single changes (the incremental path), sometimes a burst larger than it handles.
      const burst = step % 97 === 96 ? 300 : 1 + int(3);
      for (let b = 0; b < burst; b++) {
        const id = 1 + int(60);
        if (!names.has(id)) {
          names.set(id, `u${int(1000)}-${id}`);
          live.setUsernames(ordered());
        }
        if (next() < 0.15) {
          data.delete(id);
          live.setUser(id, undefined);
        } else {
          const { months, days } = rowsFor();
          const rows = parseUserRows(months.join(';') || null, days.join(';') || null);
          data.set(id, rows);
          live.setUser(id, rows);
        }
      }
      const reference = fresh();
      for (const range of ranges) {
        const metric = metrics[int(metrics.length)];
        const [limit, offset] = [
          [100, 0],
          [3, int(10)],
          [1, int(40)],
        ][int(3)];
        const got = { step, range, metric, ...live.rank(range, metric, limit, offset) };
        const want = { step, range, metric, ...reference.rank(range, metric, limit, offset) };
        // Compared as JSON first: jest's deep equality on every step took most of the test's time.
        if (JSON.stringify(got) !== JSON.stringify(want)) expect(got).toEqual(want);
        compared++;
        // One user's place, as rankOf finds it, is where the whole ranking puts them.
        const id = 1 + int(60);
        const entry = reference.rank(range, metric, 1000, 0)!.entries.find((e) => e.userId === id);
        const field = { cost: 'totalCost', tokens: 'totalTokens', input: 'inputTokens', cacheRead: 'cacheReadTokens' } as const;
        const place = {
          step,
          rank: entry?.rank ?? null,
          total: reference.rank(range, metric, 1, 0)!.total,
          value: entry ? String(entry.totals[field[metric]]) : metric === 'cost' ? '0.0000' : '0',
        };
        expect({ step, ...live.rankOf(range, metric, id) }).toEqual(place);
      }
    }
    expect(compared).toBe(200 * ranges.length);
  });
});

function addDaysTo(dayText: string, n: number): string {
  return new Date(Date.parse(`${dayText}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
