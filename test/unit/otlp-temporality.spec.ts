import fc from 'fast-check';
import { cumulativeStep, deltaPointKey, type SeriesState } from '../../src/ingestion/otlp/otlp-temporality.js';

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

  it('keys a delta point by its series and interval, so a retried batch repeats the key', () => {
    const p = { seriesKey: 'abc', startTimeUnixNano: 1n, timeUnixNano: 2n };
    expect(deltaPointKey(p)).toBe(deltaPointKey({ ...p }));
    expect(deltaPointKey(p)).not.toBe(deltaPointKey({ ...p, timeUnixNano: 3n }));
    expect(deltaPointKey(p)).not.toBe(deltaPointKey({ ...p, seriesKey: 'abd' }));
  });
});
