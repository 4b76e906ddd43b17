import { DomainError, ErrorCode } from '../../src/common/errors.js';
import { type DaySlice, type ParsedReport, parseReport, type ReportFormat, reportTotals } from '../../src/ingestion/ccusage/report-parser.js';
import { allFixtures, expectedDays, fixture, fixtureText } from '../helpers/ccusage.js';
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

/**
 * What MANIFEST.txt's command says each sample must be, read from the command alone (FORMAT.md):
 * the subcommand (none means daily), `claude` or a v15/v17 build for the classic shape,
 * `--instances` for projects, the empty dataset for an empty report, and v15/v17's probe for the
 * negative and fractional counts those builds passed through.
 */
function verdictFromCommand(dir: string, file: string, command: string): string {
  const words = command.split(/\s+/).slice(1);
  const args = words[0] === 'claude' ? words.slice(1) : words;
  const subcommand = args[0] === undefined || args[0].startsWith('-') ? 'daily' : args[0];
  if (subcommand !== 'daily') return `refused ${subcommand}`;
  if (file.startsWith('empty-')) return 'accepted empty';
  if (dir !== '' && file.startsWith('probe-')) return 'invalid';
  if (args.includes('--instances')) return 'accepted instances';
  return dir !== '' || words[0] === 'claude' ? 'accepted claude-daily' : 'accepted all-agent-daily';
}

function manifestVerdicts(): Map<string, string> {
  const verdicts = new Map<string, string>();
  let dirs = [''];
  for (const line of fixtureText('MANIFEST.txt').split('\n')) {
    const section = [...line.matchAll(/(legacy-v[\d.]+)\//g)].map((m) => m[1]);
    if (section.length > 0 && line.trimEnd().endsWith(':')) dirs = section;
    const entry = /^(\S+\.json)\s+(ccusage\b.*)$/.exec(line.trimEnd());
    if (entry) for (const dir of dirs) verdicts.set(dir ? `${dir}/${entry[1]}` : entry[1], verdictFromCommand(dir, entry[1], entry[2]));
  }
  return verdicts;
}

describe('the samples, their commands and their verdicts', () => {
  it("MANIFEST.txt names the command of every sample, and each verdict is what that command's output must get", () => {
    const fromManifest = manifestVerdicts();
    expect([...fromManifest.keys()].sort()).toEqual(allFixtures().sort());
    const table = new Map<string, string>([
      ...Object.entries(ACCEPTED).map(([file, format]) => [file, `accepted ${format}`] as const),
      ...Object.entries(REFUSED).map(([file, kind]) => [file, `refused ${kind}`] as const),
      ...Object.keys(INVALID).map((file) => [file, 'invalid'] as const),
    ]);
    expect(Object.fromEntries([...table].sort())).toEqual(Object.fromEntries([...fromManifest].sort()));
  });
});

describe('what an accepted sample gives besides its days', () => {
  const parsed = new Map<string, ParsedReport>();
  beforeAll(async () => {
    for (const file of Object.keys(ACCEPTED)) parsed.set(file, await parseReport(fixture(file)));
  });

  const KINDS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens'] as const;

  it.each(Object.keys(ACCEPTED))("%s: reportTotals are the days' sums and agree with ccusage's own totals", (file) => {
    const report = fixture(file) as { totals?: Record<string, number> };
    const days = parsed.get(file)!.days;
    const totals = reportTotals(days);
    const expected = [...expectedDays(report).values()];
    for (const kind of KINDS) expect([kind, totals[kind]]).toEqual([kind, expected.reduce((s, d) => s + d[kind], 0)]);
    // Each day's cost is rounded to 4 places on its own, so the sum may differ from the float total by half a unit a day.
    const floatTotal = expected.reduce((s, d) => s + d.cost, 0);
    expect(Math.abs(Number(totals.totalCost) - floatTotal)).toBeLessThanOrEqual(days.length * 0.00005 + 1e-9);
    expect(totals.totalCost).toMatch(/^\d+\.\d{4}$/);
    if (report.totals) {
      for (const kind of KINDS) expect([kind, totals[kind]]).toEqual([kind, report.totals[kind]]);
      expect(Math.abs(Number(totals.totalCost) - (report.totals.totalCost ?? 0))).toBeLessThanOrEqual(days.length * 0.00005 + 1e-9);
    }
  });

  it('gives every model of every sample its provider: Claude models Anthropic, Codex OpenAI', () => {
    const seen = new Map<string, string>();
    for (const report of parsed.values()) for (const day of report.days) for (const m of day.models) seen.set(m.model, m.provider);
    expect(Object.fromEntries([...seen].sort())).toEqual({
      'claude-3-5-haiku-20241022': 'anthropic',
      'claude-opus-4-1-20250805': 'anthropic',
      'claude-opus-4-20250514': 'anthropic',
      'claude-sonnet-4-20250514': 'anthropic',
      'claude-sonnet-4-20250514-fast': 'anthropic',
      'claude-sonnet-4-5-20250929': 'anthropic',
      'claude-zephyr-9-20990101': 'anthropic', // unpriced by ccusage, but a Claude name
      'gpt-5-codex': 'openai',
    });
  });

  it.each(Object.keys(ACCEPTED))('%s: warns about each model ccusage could not price, and about missing costs', (file) => {
    const text = fixtureText(file);
    const { warnings } = parsed.get(file)!;
    // Worked out from the JSON: breakdowns marked missingPricing, and whether any cost key is there at all.
    const report = fixture(file) as { daily?: unknown[]; projects?: Record<string, unknown[]> };
    const breakdowns = JSON.stringify(report).match(/\{[^{}]*"missingPricing":true[^{}]*\}/g) ?? [];
    const unpriced = new Set(breakdowns.map((b) => (JSON.parse(b) as { modelName: string }).modelName));
    for (const model of unpriced) expect(warnings.filter((w) => w.includes(model))).toHaveLength(1);
    if (unpriced.size === 0) expect(warnings.filter((w) => /no price/.test(w))).toEqual([]);
    const rows = report.daily ?? Object.values(report.projects ?? {}).flat();
    const costless = rows.length > 0 && !/"(totalCost|cost)"\s*:/.test(text);
    expect([file, warnings.some((w) => w.includes('no costs'))]).toEqual([file, costless]);
  });
});

describe('refusals carry what the client needs', () => {
  it.each(Object.entries(REFUSED))('%s names its kind (%s) and the command to run', async (file, kind) => {
    const error = await refusal(file);
    expect(error.extensions).toEqual({ reportKind: kind, command: 'npx ccusage@latest claude daily --json --offline --timezone UTC' });
    expect(error.message).toContain('npx ccusage@latest claude daily --json --offline --timezone UTC');
  });
});

describe('hand-made reports through the public API', () => {
  const NOW = new Date('2025-06-10T12:00:00Z');
  const day = (date: string, extra: Record<string, unknown> = {}) => ({
    date,
    inputTokens: 10,
    outputTokens: 20,
    cacheCreationTokens: 30,
    cacheReadTokens: 40,
    totalTokens: 100,
    totalCost: 0.12345,
    modelsUsed: ['claude-sonnet-4-20250514'],
    modelBreakdowns: [
      { modelName: 'claude-sonnet-4-20250514', inputTokens: 10, outputTokens: 20, cacheCreationTokens: 30, cacheReadTokens: 40, cost: 0.12345 },
    ],
    ...extra,
  });
  const paths = async (body: unknown) => {
    try {
      await parseReport(body, NOW);
    } catch (error) {
      if (error instanceof DomainError) return (error.errors ?? []).map((e) => e.path);
      throw error;
    }
    throw new Error('accepted');
  };

  it('reads a minimal claude daily report into one slice, costs rounded half away from zero', async () => {
    const parsed = await parseReport({ daily: [day('2025-06-01')] }, NOW);
    const format: ReportFormat = parsed.format;
    expect(format).toBe('claude-daily');
    const expected: DaySlice[] = [
      {
        date: '2025-06-01',
        inputTokens: 10,
        outputTokens: 20,
        cacheCreationTokens: 30,
        cacheReadTokens: 40,
        totalTokens: 100,
        cost: '0.1235',
        models: [
          {
            model: 'claude-sonnet-4-20250514',
            provider: 'anthropic',
            inputTokens: 10,
            outputTokens: 20,
            cacheCreationTokens: 30,
            cacheReadTokens: 40,
            cost: '0.1235',
          },
        ],
      },
    ];
    expect(parsed.days).toEqual(expected);
  });

  it("takes v15-v18's empty report, the bare [], as empty", async () => {
    expect(await parseReport([], NOW)).toMatchObject({ format: 'empty', days: [] });
  });

  it('accepts tomorrow in UTC and refuses the day after, and days before 2000', async () => {
    expect((await parseReport({ daily: [day('2025-06-11')] }, NOW)).days).toHaveLength(1);
    expect(await paths({ daily: [day('2025-06-12')] })).toEqual(['daily[0].date']);
    expect(await paths({ daily: [day('1999-12-31')] })).toEqual(['daily[0].date']);
  });

  it('refuses a day listed twice, a total below its parts, and models adding up to more than their day', async () => {
    expect(await paths({ daily: [day('2025-06-01'), day('2025-06-01')] })).toEqual(['daily[1].date']);
    expect(await paths({ daily: [day('2025-06-01', { totalTokens: 99 })] })).toEqual(['daily[0].totalTokens']);
    expect(await paths({ daily: [day('2025-06-01', { inputTokens: 9, totalTokens: 99 })] })).toEqual(['daily[0].modelBreakdowns']);
  });

  it('refuses what is not a report, at the top', async () => {
    expect(await paths(null)).toEqual(['']);
    expect(await paths('daily')).toEqual(['']);
    expect(await paths({})).toEqual(['daily']);
  });
});
