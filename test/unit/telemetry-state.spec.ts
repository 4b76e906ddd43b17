import fc from 'fast-check';
import { type Covered, cumulativeStep, deltaStep, MAX_COVERED, type SeriesState } from '../../src/ledger/telemetry-state.js';

const point = (start: number, time: number, value: number) => ({ startTimeUnixNano: BigInt(start), timeUnixNano: BigInt(time), value });

describe('cumulative points to deltas', () => {
  it('counts a series’ first point whole, then the increases', () => {
    const first = cumulativeStep(undefined, point(100, 200, 7));
    expect(first).toMatchObject({ kind: 'delta', value: 7 });
    const second = cumulativeStep(first.kind === 'delta' ? first.state : undefined, point(100, 300, 12));
    expect(second).toMatchObject({ kind: 'delta', value: 5, state: { timeUnixNano: 300n, value: 12 } });
  });

  it('adds nothing for a retry, or for a point older than the last one', () => {
    const last: SeriesState = { startTimeUnixNano: 100n, timeUnixNano: 300n, value: 12 };
    expect(cumulativeStep(last, point(100, 300, 12))).toEqual({ kind: 'duplicate' });
    expect(cumulativeStep(last, point(100, 200, 7))).toEqual({ kind: 'stale' });
    expect(cumulativeStep(last, point(50, 400, 99))).toEqual({ kind: 'stale' });
  });

  it('starts a new baseline on a restart: a later start, or a lower value', () => {
    const last: SeriesState = { startTimeUnixNano: 100n, timeUnixNano: 300n, value: 12 };
    expect(cumulativeStep(last, point(350, 400, 3))).toMatchObject({ kind: 'delta', value: 3 });
    expect(cumulativeStep(last, point(100, 400, 4))).toMatchObject({ kind: 'delta', value: 4 });
  });

  it('sums to what the exporter counted, whatever the retries and late deliveries', () => {
    // An exporter's runs (each restarts the counter), each exporting a rising cumulative value; the
    // network repeats and delays some exports. The deltas add up to every run's last value.
    const run = fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 4 }), fc.infiniteStream(fc.integer({ min: 0, max: 9 })), (runs, dice) => {
        const exports: Array<ReturnType<typeof point>> = [];
        runs.forEach((increments, r) => {
          let total = 0;
          increments.forEach((inc, i) => {
            total += inc;
            exports.push(point(r * 1_000, r * 1_000 + i + 1, total));
          });
        });
        // Deliveries: each export once in order, some repeated right away or later (retries).
        const deliveries: typeof exports = [];
        const held: typeof exports = [];
        const rolls = dice[Symbol.iterator]();
        for (const e of exports) {
          deliveries.push(e);
          const roll = rolls.next().value as number;
          if (roll === 0) deliveries.push(e);
          if (roll === 1) held.push(e);
        }
        deliveries.push(...held);
        let state: SeriesState | undefined;
        let sum = 0;
        for (const d of deliveries) {
          const step = cumulativeStep(state, d);
          if (step.kind === 'delta') {
            sum += step.value;
            state = step.state;
          }
        }
        const expected = runs.reduce((s, increments) => s + increments.reduce((a, b) => a + b, 0), 0);
        expect(sum).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('delta points and events, counted once', () => {
  const add = (covered: Covered, start: number, end: number) => deltaStep(covered, BigInt(start), BigInt(end));

  it('merges consecutive intervals and recognises a retry inside them', () => {
    const first = add([], 0, 10);
    expect(first).toEqual({ kind: 'add', covered: [[0n, 10n]] });
    const second = add([[0n, 10n]], 10, 20);
    expect(second).toEqual({ kind: 'add', covered: [[0n, 20n]] });
    expect(add([[0n, 20n]], 0, 10)).toEqual({ kind: 'duplicate' });
    expect(add([[0n, 20n]], 10, 20)).toEqual({ kind: 'duplicate' });
  });

  it('fills a gap left by a late delivery, and refuses a partial overlap', () => {
    const gap = add([[0n, 10n]], 20, 30);
    expect(gap).toEqual({
      kind: 'add',
      covered: [
        [0n, 10n],
        [20n, 30n],
      ],
    });
    expect(
      add(
        [
          [0n, 10n],
          [20n, 30n],
        ],
        10,
        20,
      ),
    ).toEqual({ kind: 'add', covered: [[0n, 30n]] });
    expect(add([[0n, 10n]], 5, 15)).toEqual({ kind: 'overlap' });
    expect(add([[10n, 20n]], 5, 15)).toEqual({ kind: 'overlap' });
  });

  it('keeps at most MAX_COVERED intervals and refuses what is older than all of them', () => {
    let covered: Covered = [];
    for (let i = 0; i <= MAX_COVERED; i++) {
      const step = add(covered, i * 10, i * 10 + 5);
      if (step.kind !== 'add') throw new Error(step.kind);
      covered = step.covered;
    }
    expect(covered).toHaveLength(MAX_COVERED);
    expect(covered[0]).toEqual([10n, 15n]);
    expect(add(covered, 0, 5)).toEqual({ kind: 'tooOld' });
    expect(add(covered, 16, 19)).toMatchObject({ kind: 'add' });
  });

  it('adds every interval exactly once, whatever the order and the repeats', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 80 }),
        fc.infiniteStream(fc.nat()),
        (values, repeats, order) => {
          // An exporter's consecutive points [t_i, t_i+1] with their values, some delivered again, in a shuffled order.
          const points = values.map((value, i) => ({ start: i * 60, end: (i + 1) * 60, value }));
          const deliveries = [...points, ...repeats.map((r) => points[r % points.length])];
          const keys = order[Symbol.iterator]();
          const shuffled = deliveries
            .map((p) => ({ p, k: keys.next().value as number }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.p);
          let covered: Covered = [];
          let sum = 0;
          for (const p of shuffled) {
            const step = add(covered, p.start, p.end);
            if (step.kind === 'add') {
              sum += p.value;
              covered = step.covered;
            } else expect(step.kind).toBe('duplicate');
          }
          expect(sum).toBe(values.reduce((a, b) => a + b, 0));
          expect(covered).toEqual([[0n, BigInt(values.length * 60)]]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
