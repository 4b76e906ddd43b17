import { DomainError, ErrorCode } from '../../src/common/errors.js';
import { parseReport } from '../../src/ingestion/ccusage/report-parser.js';
import { sliceHash } from '../../src/ledger/slices.js';
import { allFixtures, fixture } from '../helpers/ccusage.js';
import { expectedRows, money } from '../helpers/projects.js';

/**
 * The project dimension the parser reads from `--instances` reports, without a database: each
 * day's projects and their models, as worked out from the JSON alone (test/helpers/projects.ts).
 */

const INSTANCES = allFixtures().filter((f) => f.includes('instances'));
const ROW = Object.values((fixture('claude-daily-instances.json') as { projects: Record<string, Array<Record<string, unknown>>> }).projects)[0][0];

async function failure(body: unknown): Promise<DomainError> {
  try {
    await parseReport(body);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('the projects of --instances reports', () => {
  it('covers the four real --instances samples', () => {
    expect(INSTANCES.sort()).toEqual([
      'claude-daily-instances-project.json',
      'claude-daily-instances.json',
      'legacy-v15.10.0/daily-instances.json',
      'legacy-v17.2.1/daily-instances.json',
    ]);
  });

  it.each(INSTANCES)('%s: every day carries its projects, each with its models, sorted', async (file) => {
    const report = fixture(file);
    const parsed = await parseReport(report);
    const got = parsed.days.flatMap((d) =>
      (d.projects ?? []).flatMap((p) =>
        p.models.map((m) => [p.project, d.date, m.model, m.inputTokens, m.outputTokens, m.cacheCreationTokens, m.cacheReadTokens, m.cost].join('|')),
      ),
    );
    const want = expectedRows(report as never).map((r) =>
      [r.project, r.date, r.model ?? '', r.inputTokens, r.outputTokens, r.cacheCreationTokens, r.cacheReadTokens, money(r.cost)].join('|'),
    );
    expect([...got].sort()).toEqual([...want].sort());
    for (const day of parsed.days) {
      const names = day.projects!.map((p) => p.project);
      expect(names).toEqual([...names].sort());
      for (const p of day.projects!) expect(p.models.map((m) => m.model)).toEqual(p.models.map((m) => m.model).sort());
      // The day is the sum of its projects' tokens, whatever the rounding of their costs.
      for (const kind of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const) {
        expect(day.projects!.reduce((s, p) => s + p.models.reduce((n, m) => n + m[kind], 0), 0)).toBe(day[kind]);
      }
    }
  });

  it('leaves plain reports without projects, so their slices hash as they always did', async () => {
    for (const file of ['claude-daily.json', 'daily.json', 'legacy-v17.2.1/daily.json', 'claude-daily-project.json']) {
      const parsed = await parseReport(fixture(file));
      for (const day of parsed.days) expect('projects' in day).toBe(false);
    }
    // The same day with projects is another slice.
    const [plain, withProjects] = await Promise.all([parseReport(fixture('claude-daily.json')), parseReport(fixture('claude-daily-instances.json'))]);
    const { projects, ...bare } = withProjects.days[0];
    expect(projects?.length).toBeGreaterThan(0);
    expect(bare).toEqual(plain.days[0]);
    expect(sliceHash(withProjects.days[0])).not.toBe(sliceHash(plain.days[0]));
  });

  it('keeps a project key of 500 printable characters and refuses longer or unprintable ones (422, by position)', async () => {
    const ok = 'p'.repeat(500);
    expect((await parseReport({ projects: { [ok]: [ROW] } })).days[0].projects?.[0].project).toBe(ok);
    for (const bad of ['p'.repeat(501), 'a\u0000b', 'tab\there', '', ' lead', 'zero\u200bwidth']) {
      const error = await failure({ projects: { first: [ROW], [bad]: [{ ...ROW, date: '2025-06-02' }] } });
      expect(error.code).toBe(ErrorCode.UnprocessableReport);
      expect(error.extensions).toEqual({ projectIndex: 1 });
      if (bad.length > 0) expect(error.message).not.toContain(bad);
    }
  });

  it('refuses a project that lists a day twice', async () => {
    const error = await failure({ projects: { a: [ROW], b: [ROW, { ...ROW }] } });
    expect(error.code).toBe(ErrorCode.ValidationFailed);
    expect(error.errors).toEqual([expect.objectContaining({ path: 'projects.b[1].date', message: expect.stringContaining('appears twice') })]);
  });
});
