import { DomainError, ErrorCode } from '../../src/common/errors.js';
import { parseReport, reportTotals } from '../../src/ingestion/ccusage/report-parser.js';
import { allFixtures, expectedDays, fixture } from '../helpers/ccusage.js';
import { ACCEPTED, INVALID, REFUSED } from '../helpers/sample-verdicts.js';

/**
 * The ccusage parser on every real ccusage output, without a database or an app: what each day and
 * each model must hold is worked out here from the JSON alone (test/helpers/ccusage.ts).
 */

/** ccusage prints float costs; the parser keeps 4 decimal places: within half a unit of the 4th place. */
const closeToCost = (text: string, expected: number) => Math.abs(Number(text) - expected) <= 0.00005 + 1e-9;

async function refusal(file: string): Promise<DomainError> {
  try {
    await parseReport(fixture(file));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`${file} was accepted`);
}

describe('parseReport on every real ccusage output', () => {
  it('has a verdict for every sample file, and every verdict names a file that exists', () => {
    const known = [...Object.keys(ACCEPTED), ...Object.keys(REFUSED), ...Object.keys(INVALID)].sort();
    expect(known).toEqual(allFixtures().sort());
  });

  it.each(Object.entries(ACCEPTED))('%s parses as %s with every day and model exact', async (file, format) => {
    const report = fixture(file);
    const parsed = await parseReport(report);
    expect(parsed.format).toBe(format);
    const expected = expectedDays(report);
    expect(parsed.days.map((d) => d.date)).toEqual([...expected.keys()].sort());
    for (const day of parsed.days) {
      const want = expected.get(day.date)!;
      expect({
        date: day.date,
        input: day.inputTokens,
        output: day.outputTokens,
        creation: day.cacheCreationTokens,
        read: day.cacheReadTokens,
        total: day.totalTokens,
      }).toEqual({
        date: day.date,
        input: want.inputTokens,
        output: want.outputTokens,
        creation: want.cacheCreationTokens,
        read: want.cacheReadTokens,
        total: want.totalTokens,
      });
      expect(closeToCost(day.cost, want.cost)).toBe(true);
      expect(day.models.map((m) => m.model)).toEqual([...want.models.keys()].sort());
      for (const m of day.models) {
        const w = want.models.get(m.model)!;
        expect([m.inputTokens, m.outputTokens, m.cacheCreationTokens, m.cacheReadTokens]).toEqual([
          w.inputTokens,
          w.outputTokens,
          w.cacheCreationTokens,
          w.cacheReadTokens,
        ]);
        expect(closeToCost(m.cost, w.cost)).toBe(true);
      }
    }
    // The totals the upload answers with are the days' sums.
    const totals = reportTotals(parsed.days);
    expect(totals.totalTokens).toBe([...expected.values()].reduce((s, d) => s + d.totalTokens, 0));
  });

  it.each(Object.entries(REFUSED))('%s is refused as a %s report, with the command to run instead', async (file, kind) => {
    const error = await refusal(file);
    expect(error.code).toBe(ErrorCode.UnprocessableReport);
    expect(error.message).toContain(`ccusage ${kind} report`);
    expect(error.message).toContain('daily --json');
  });

  it.each(Object.entries(INVALID))('%s (negative and fractional counts) is refused naming the fields', async (file, paths) => {
    const error = await refusal(file);
    expect(error.errors?.map((e) => e.path)).toEqual(expect.arrayContaining(paths));
  });

  it('keeps the heavy days above 2^32 tokens exact', async () => {
    const parsed = await parseReport(fixture('heavy-claude-daily.json'));
    const expected = [...expectedDays(fixture('heavy-claude-daily.json')).values()];
    expect(parsed.days.map((d) => d.totalTokens)).toEqual(expected.map((d) => d.totalTokens));
    expect(Math.max(...parsed.days.map((d) => d.totalTokens))).toBeGreaterThan(2 ** 32);
  });
});
