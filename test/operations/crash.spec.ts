import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { largeReport, yesterdayUtc } from '../helpers/large-report.mjs';
import { freePort, spawnService, waitUntilServing, type ServiceProcess } from '../helpers/process.js';
import { REBUILDS } from '../helpers/summary-rebuilds.mjs';

/**
 * The service is killed with SIGKILL at a random moment while several users upload from several
 * devices at once, then started again on the same data (the embedded database's DATA_DIR on disk,
 * or the same PostgreSQL database), for CRASH_ROUNDS rounds (3 by default). After every kill:
 * every upload whose 200 the client received is there, the upload that was in flight on each
 * device is there whole or not at all, nothing is half-written, and every summary table equals its
 * rebuild. One client sends reports of several thousand model rows, which the service stores in
 * several chunks inside one transaction: the kill often lands between two of them.
 *
 * Needs the built service: `npx nest build` (npm test builds first). CRASH_SEED repeats a run.
 */
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
const VERBOSE = process.env.CRASH_VERBOSE === '1';
const say = (line: string) => VERBOSE && process.stderr.write(`[crash] ${line}\n`);
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: the kill delays of a run follow from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface DayNumbers {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  /** Cost in ten-thousandths of a dollar: exact. */
  cost: number;
  models: Map<string, Omit<DayNumbers, 'models' | 'totalTokens'>>;
}

const tenThousandths = (cost: number) => Math.round(cost * 10_000);
const decimal = (tt: number) => `${Math.floor(tt / 10_000)}.${String(tt % 10_000).padStart(4, '0')}`;

/** One device of one user, uploading the same days again and again with new numbers each time. */
interface Client {
  username: string;
  token: string;
  device: string;
  days: number;
  models: number;
  /** Distinguishes this client's reports from every other client's. */
  salt: number;
  iteration: number;
  /** The variant of the last upload whose 200 arrived, and how many 200s arrived in all. */
  acked: number | undefined;
  ackedCount: number;
  /** The upload in flight when the service died: stored whole or not at all. */
  inFlight: number | undefined;
  /** What the database was found to hold after the last kill. */
  stored: number | undefined;
  /** Uploads that were in flight at a kill and committed anyway. */
  committedUnacknowledged: number;
  unexpected: string[];
}

const END = yesterdayUtc();
const reportOf = (c: Client, variant: number) => largeReport({ days: c.days, models: c.models, end: END, variant: c.salt * 100_000 + variant });

function numbersOf(c: Client, variant: number): Map<string, DayNumbers> {
  const days = new Map<string, DayNumbers>();
  for (const row of reportOf(c, variant).daily) {
    const models = new Map(
      row.modelBreakdowns.map((b) => [
        b.modelName,
        {
          inputTokens: b.inputTokens,
          outputTokens: b.outputTokens,
          cacheCreationTokens: b.cacheCreationTokens,
          cacheReadTokens: b.cacheReadTokens,
          cost: tenThousandths(b.cost),
        },
      ]),
    );
    days.set(row.date, {
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      cacheCreationTokens: row.cacheCreationTokens,
      cacheReadTokens: row.cacheReadTokens,
      totalTokens: row.totalTokens,
      cost: [...models.values()].reduce((s, m) => s + m.cost, 0),
      models,
    });
  }
  return days;
}

type Query = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/** Rows in one query and not the other, both ways. */
async function difference(query: Query, a: string, b: string): Promise<number> {
  const [row] = await query<{ n: string | number }>(
    `SELECT (SELECT count(*) FROM ((${a}) EXCEPT ALL (${b})) x) + (SELECT count(*) FROM ((${b}) EXCEPT ALL (${a})) y) AS n`,
  );
  return Number(row.n);
}

const TOKENS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'];

/** Everything the database must satisfy after any crash, whatever was in flight. */
async function checkConsistency(query: Query): Promise<Record<string, number>> {
  const sums = (prefix: string) => TOKENS.map((c) => `sum(${prefix}${c})::text`).join(', ');
  const cols = (prefix: string) => TOKENS.map((c) => `${prefix}${c}::text`).join(', ');
  const found: Record<string, number> = {
    'usage_stats other than the sum of its device_days': await difference(
      query,
      `SELECT user_id, date, total_tokens::text, ${cols('')}, total_cost::numeric(20,4)::text FROM usage_stats`,
      `SELECT user_id, date, sum(total_tokens)::text, ${sums('')}, sum(total_cost)::numeric(20,4)::text FROM device_days GROUP BY user_id, date`,
    ),
    'model_usage other than the sum of its device_day_models': await difference(
      query,
      `SELECT s.user_id, s.date, m.model, m.provider, ${cols('m.')}, m.cost::numeric(20,4)::text
         FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id`,
      `SELECT d.user_id, d.date, m.model, max(m.provider), ${sums('m.')}, sum(m.cost)::numeric(20,4)::text
         FROM device_day_models m JOIN device_days d ON d.id = m.device_day_id GROUP BY d.user_id, d.date, m.model`,
    ),
    // The generated reports' day totals are their models' sums: a device day without all its
    // models would show here.
    'device_days other than the sum of their models': await difference(
      query,
      `SELECT id, ${cols('')}, total_cost::numeric(20,4)::text FROM device_days`,
      `SELECT d.id, ${sums('m.')}, sum(m.cost)::numeric(20,4)::text FROM device_days d JOIN device_day_models m ON m.device_day_id = d.id GROUP BY d.id`,
    ),
    'model_usage without its usage_stats': Number(
      (
        await query<{ n: string | number }>(
          `SELECT count(*) AS n FROM model_usage m WHERE NOT EXISTS (SELECT 1 FROM usage_stats s WHERE s.id = m.usage_stats_id)`,
        )
      )[0].n,
    ),
    'device_day_models without their device_days': Number(
      (
        await query<{ n: string | number }>(
          `SELECT count(*) AS n FROM device_day_models m WHERE NOT EXISTS (SELECT 1 FROM device_days d WHERE d.id = m.device_day_id)`,
        )
      )[0].n,
    ),
  };
  for (const [table, { actual, rebuilt }] of Object.entries(REBUILDS)) found[`${table} other than its rebuild`] = await difference(query, actual, rebuilt);
  return found;
}

/** Which of the client's candidate reports the database holds for its device: exactly one, whole. */
async function storedVariant(query: Query, c: Client): Promise<{ whole: boolean; variant: number | undefined; uploads: number }> {
  const days = await query<Record<string, string | number>>(
    `SELECT d.date::text AS date, d.total_tokens, ${TOKENS.map((t) => `d.${t}`).join(', ')}, (d.total_cost * 10000)::bigint AS cost
       FROM device_days d JOIN users u ON u.id = d.user_id WHERE u.username = $1 AND d.device = $2 ORDER BY d.date`,
    [c.username, c.device],
  );
  const models = await query<Record<string, string | number>>(
    `SELECT d.date::text AS date, m.model, ${TOKENS.map((t) => `m.${t}`).join(', ')}, (m.cost * 10000)::bigint AS cost
       FROM device_day_models m JOIN device_days d ON d.id = m.device_day_id JOIN users u ON u.id = d.user_id
      WHERE u.username = $1 AND d.device = $2 ORDER BY d.date, m.model`,
    [c.username, c.device],
  );
  const [uploads] = await query<{ n: string | number }>(
    `SELECT count(*) AS n FROM uploads p JOIN users u ON u.id = p.user_id WHERE u.username = $1 AND p.device = $2`,
    [c.username, c.device],
  );
  const seen = JSON.stringify({
    days: days.map((d) => [d.date, Number(d.total_tokens), ...TOKENS.map((t) => Number(d[t])), Number(d.cost)]),
    models: models.map((m) => [m.date, m.model, ...TOKENS.map((t) => Number(m[t])), Number(m.cost)]),
  });
  const expected = (variant: number | undefined) => {
    if (variant === undefined) return JSON.stringify({ days: [], models: [] });
    const numbers = [...numbersOf(c, variant)].sort(([a], [b]) => (a < b ? -1 : 1));
    return JSON.stringify({
      days: numbers.map(([date, d]) => [date, d.totalTokens, d.inputTokens, d.outputTokens, d.cacheCreationTokens, d.cacheReadTokens, d.cost]),
      models: numbers.flatMap(([date, d]) =>
        [...d.models]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([model, m]) => [date, model, m.inputTokens, m.outputTokens, m.cacheCreationTokens, m.cacheReadTokens, m.cost]),
      ),
    });
  };
  // What the device held after the last round's check may be newer than its last acknowledgement:
  // an upload in flight at an earlier kill that committed (variants only grow, so the newer one).
  const known = c.stored !== undefined && (c.acked === undefined || c.stored > c.acked) ? c.stored : c.acked;
  const candidates = [known, ...(c.inFlight === undefined ? [] : [c.inFlight])];
  const match = candidates.findIndex((v) => expected(v) === seen);
  return { whole: match >= 0, variant: candidates[match], uploads: Number(uploads.n) };
}

describe('crash safety: SIGKILL during concurrent uploads', () => {
  let db: TestDatabase | undefined;
  let dataDir: string | undefined;
  let service: ServiceProcess | undefined;
  const next = random(SEED);

  beforeAll(async () => {
    if (BACKEND === 'postgres') db = await createTestDatabase();
    else dataDir = mkdtempSync(join(tmpdir(), 'ccs-crash-'));
  });
  afterAll(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    await service?.exited;
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    BACKUP_ENABLED: 'false',
    // Limits are not what is tested here; the clients upload as fast as the service answers.
    RATE_LIMITS: 'false',
    ...(db ? db.env : { DATA_DIR: dataDir! }),
  });

  async function start(): Promise<ServiceProcess> {
    const started = spawnService({ ...env(), PORT: String(await freePort()) });
    await waitUntilServing(started);
    return started;
  }

  /** The SQL checks, on PostgreSQL directly; on the embedded database the killed service's files are opened here. */
  async function withDatabase<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    if (db) return fn(db.query);
    const pglite = await PGlite.create(dataDir);
    try {
      return await fn(async <R>(text: string, params?: unknown[]) => (await pglite.query<R>(text, params)).rows);
    } finally {
      await pglite.close();
    }
  }

  it(
    `keeps every acknowledged upload and nothing half-written across ${ROUNDS} kills (seed ${SEED})`,
    async () => {
      let t0 = performance.now();
      service = await start();
      say(`started in ${Math.round(performance.now() - t0)} ms`);
      const base = () => `http://127.0.0.1:${service!.port}`;
      const register = async (username: string) => {
        const res = await fetch(`${base()}/api/v1/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username }),
        });
        expect(res.status).toBe(201);
        return ((await res.json()) as { token: string }).token;
      };
      const clients: Client[] = [];
      const client = (username: string, token: string, device: string, days: number, models: number): Client => ({
        username,
        token,
        device,
        days,
        models,
        salt: clients.length + 1,
        iteration: 0,
        acked: undefined,
        ackedCount: 0,
        inFlight: undefined,
        stored: undefined,
        committedUnacknowledged: 0,
        unexpected: [],
      });
      // Three users with two devices each share days and models; a fourth sends 3,200 model rows an
      // upload, stored in several chunks.
      for (const name of ['crash-ann', 'crash-bob', 'crash-cyd']) {
        const token = await register(name);
        for (const device of ['laptop', 'desktop']) clients.push(client(name, token, device, 20, 8));
      }
      clients.push(client('crash-big', await register('crash-big'), 'server', 80, 40));

      const uploadLoop = async (c: Client, stop: { killed: boolean }) => {
        while (!stop.killed) {
          c.iteration += 1;
          const variant = c.iteration;
          c.inFlight = variant;
          let res: Response;
          try {
            res = await fetch(`${base()}/api/v1/uploads?device=${c.device}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` },
              body: JSON.stringify(reportOf(c, variant)),
            });
            const text = await res.text();
            if (res.status !== 200) c.unexpected.push(`${res.status} ${text.slice(0, 300)}`);
          } catch {
            return; // the service died: this upload's fate is what the checks find out
          }
          if (res.status === 200) {
            c.acked = variant;
            c.ackedCount += 1;
          }
          c.inFlight = undefined;
        }
      };

      for (let round = 1; round <= ROUNDS; round++) {
        t0 = performance.now();
        const stop = { killed: false };
        const loops = clients.map((c) => uploadLoop(c, stop));
        // Some uploads answered first (every client's at least once, so that each has acknowledged
        // data to lose), then a random moment: usually in the middle of several.
        const acksBefore = clients.reduce((s, c) => s + c.ackedCount, 0);
        const answered = () => clients.reduce((s, c) => s + c.ackedCount, 0) >= acksBefore + 2 && clients.every((c) => c.ackedCount > 0);
        const deadline = Date.now() + 30_000;
        while (!answered() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, Math.floor(next() * 1500)));
        stop.killed = true;
        service.child.kill('SIGKILL');
        await service.exited;
        await Promise.all(loops);
        const context = `round ${round}, seed ${SEED}`;
        say(
          `${context}: killed after ${Math.round(performance.now() - t0)} ms; acknowledged so far ${clients.map((c) => c.ackedCount).join(' ')}; in flight ${clients.map((c) => c.inFlight ?? '-').join(' ')}`,
        );
        t0 = performance.now();
        expect({ context, unexpected: clients.flatMap((c) => c.unexpected) }).toEqual({ context, unexpected: [] });

        await withDatabase(async (query) => {
          const found = await checkConsistency(query);
          expect({ context, ...found }).toEqual({ context, ...Object.fromEntries(Object.keys(found).map((k) => [k, 0])) });
          for (const c of clients) {
            const { whole, variant, uploads } = await storedVariant(query, c);
            const where = `${c.username}/${c.device}, ${context}: acknowledged ${c.acked}, in flight ${c.inFlight}`;
            // The device holds the last acknowledged report or, if it committed, the one in flight: whole.
            expect({ where, whole }).toEqual({ where, whole: true });
            if (variant !== undefined && variant === c.inFlight) c.committedUnacknowledged += 1;
            // Every 200 left its uploads row, and an upload in flight left one exactly when its data is there.
            expect({ where, uploads }).toEqual({ where, uploads: c.ackedCount + c.committedUnacknowledged });
            c.stored = variant;
          }
        });

        say(
          `${context}: checked in ${Math.round(performance.now() - t0)} ms; in flight and committed so far ${clients.map((c) => c.committedUnacknowledged).join(' ')}`,
        );
        t0 = performance.now();
        // The same data, a new process: on the embedded database the killed one's lock file is still there.
        service = await start();
        const headers = { 'content-type': 'application/json' };
        for (const username of [...new Set(clients.map((c) => c.username))]) {
          const expected = new Map<string, { totalTokens: number; inputTokens: number; cacheReadTokens: number; cost: number }>();
          for (const c of clients.filter((x) => x.username === username && x.stored !== undefined)) {
            for (const [date, d] of numbersOf(c, c.stored!)) {
              const e = expected.get(date) ?? { totalTokens: 0, inputTokens: 0, cacheReadTokens: 0, cost: 0 };
              e.totalTokens += d.totalTokens;
              e.inputTokens += d.inputTokens;
              e.cacheReadTokens += d.cacheReadTokens;
              e.cost += d.cost;
              expected.set(date, e);
            }
          }
          const res = await fetch(`${base()}/api/v1/users/${username}/usage?models=false`, { headers });
          expect(res.status).toBe(200);
          const body = (await res.json()) as {
            rows: Array<{ date: string; totalTokens: number; inputTokens: number; cacheReadTokens: number; totalCost: string }>;
          };
          expect({ username, context, rows: body.rows.map((r) => [r.date, r.totalTokens, r.inputTokens, r.cacheReadTokens, r.totalCost]) }).toEqual({
            username,
            context,
            rows: [...expected]
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([date, e]) => [date, e.totalTokens, e.inputTokens, e.cacheReadTokens, decimal(e.cost)]),
          });
        }
        for (const c of clients) c.inFlight = undefined;
        say(`${context}: restarted and read back in ${Math.round(performance.now() - t0)} ms`);
      }
    },
    60_000 + ROUNDS * 40_000,
  );
});
