import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

type Day = {
  date: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  totalCost: number;
  modelBreakdowns: Array<Record<string, unknown> & { modelName: string; inputTokens: number; cost: number }>;
};
type Report = { daily: Day[]; totals: Record<string, unknown> };

const base = () => structuredClone(fixture('claude-daily.json')) as Report;

/** A report of one day, made from the real sample's first day with its counts scaled by `factor`. */
function scaledDay(date: string, factor: number): Report {
  const day = structuredClone(base().daily[0]);
  day.date = date;
  for (const k of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens'] as const) day[k] *= factor;
  day.totalCost *= factor;
  for (const m of day.modelBreakdowns) {
    for (const k of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const) (m as Record<string, number>)[k] *= factor;
    m.cost *= factor;
  }
  return { daily: [day], totals: {} };
}

describe('devices, re-uploads and concurrency', () => {
  let db: TestDatabase;
  let t: TestApp;

  useTestApp({ LOG_LEVEL: 'warn' }, (app) => ({ db, t } = app));

  const snapshot = async (username: string) =>
    db.query(
      `SELECT s.date::text, s.total_tokens::text, s.input_tokens::text, s.total_cost::text, s.updated_at::text,
              (SELECT json_agg(json_build_array(m.model, m.input_tokens::text, m.cost::text, m.created_at::text) ORDER BY m.model) FROM model_usage m WHERE m.usage_stats_id = s.id) AS models
         FROM usage_stats s JOIN users u ON u.id = s.user_id WHERE u.username = $1 ORDER BY s.date`,
      [username],
    );

  const day = async (username: string, date: string) =>
    (await t.http.get(`/api/v1/users/${username}/usage`).query({ from: date, to: date }).expect(200)).body.rows[0];

  it('changes nothing when the same report is uploaded again', async () => {
    const { username, token } = await registerUser(t.http);
    await upload(t.http, token, base()).expect(200);
    const before = await snapshot(username);
    const again = await upload(t.http, token, base()).expect(200);
    expect(again.body).toMatchObject({ inserted: 0, updated: 0, unchanged: 7 });
    expect(await snapshot(username)).toEqual(before);
  });

  it('adds a second device to the first, per day and per model', async () => {
    const { username, token } = await registerUser(t.http);
    await upload(t.http, token, scaledDay('2025-06-01', 1), { device: 'laptop' }).expect(200);
    await upload(t.http, token, scaledDay('2025-06-01', 2), { device: 'desktop' }).expect(200);
    const one = base().daily[0];
    const row = await day(username, '2025-06-01');
    expect(row.inputTokens).toBe(one.inputTokens * 3);
    expect(row.totalTokens).toBe(one.totalTokens * 3);
    const sonnet = row.models.find((m: { model: string }) => m.model === 'claude-sonnet-4-5-20250929');
    const sonnetIn = one.modelBreakdowns.find((m) => m.modelName === 'claude-sonnet-4-5-20250929')!;
    expect(sonnet.inputTokens).toBe(sonnetIn.inputTokens * 3);
  });

  it("replaces only the uploading device's slice when it re-uploads corrected numbers", async () => {
    const { username, token } = await registerUser(t.http);
    await upload(t.http, token, scaledDay('2025-06-01', 1), { device: 'laptop' }).expect(200);
    await upload(t.http, token, scaledDay('2025-06-01', 2), { device: 'desktop' }).expect(200);
    const corrected = await upload(t.http, token, scaledDay('2025-06-01', 5), { device: 'laptop' }).expect(200);
    expect(corrected.body).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
    expect((await day(username, '2025-06-01')).inputTokens).toBe(base().daily[0].inputTokens * 7);
  });

  it('keeps older days when a later upload has fewer of them', async () => {
    const { username, token } = await registerUser(t.http);
    await upload(t.http, token, base()).expect(200);
    const shorter = base();
    shorter.daily = shorter.daily.slice(4);
    shorter.daily[0].inputTokens += 1000;
    shorter.daily[0].totalTokens += 1000;
    const res = await upload(t.http, token, shorter).expect(200);
    expect(res.body).toMatchObject({ days: 3, updated: 1, unchanged: 2, inserted: 0 });
    const usage = (await t.http.get(`/api/v1/users/${username}/usage`).expect(200)).body;
    expect(usage.rows).toHaveLength(7);
    expect(usage.rows[4].inputTokens).toBe(base().daily[4].inputTokens + 1000);
    expect(usage.rows[0].inputTokens).toBe(base().daily[0].inputTokens);
  });

  it('serializes 60 simultaneous uploads for one user: the end state is the last slice per device, with no 5xx', async () => {
    const { username, token } = await registerUser(t.http);
    const devices = ['d1', 'd2', 'd3'];
    const dates = ['2025-06-01', '2025-06-02', '2025-06-03'];
    const report = (factor: number) => ({
      daily: dates.map((date) => scaledDay(date, factor).daily[0]),
      totals: {},
    });
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => upload(t.http, token, report(i + 1), { device: devices[i % 3] })));
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    // Which upload of each device committed last is what the database says it is.
    const last = await db.query<{ device: string; input_tokens: string | number }>(
      `SELECT d.device, d.input_tokens FROM device_days d JOIN users u ON u.id = d.user_id WHERE u.username = $1 AND d.date = '2025-06-01'`,
      [username],
    );
    expect(last.map((l) => l.device).sort()).toEqual(devices);
    const perDevice = last.reduce((s, l) => s + Number(l.input_tokens), 0);
    const uploadsLogged = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM uploads p JOIN users u ON u.id = p.user_id WHERE u.username = $1`, [
      username,
    ]);
    expect(Number(uploadsLogged[0].n)).toBe(60);
    for (const date of dates) {
      const row = await day(username, date);
      expect(row.inputTokens).toBe(perDevice);
      const modelSum = row.models.reduce((s: number, m: { inputTokens: number }) => s + m.inputTokens, 0);
      expect(modelSum).toBe(perDevice);
    }
    // Uploads of one user take the user's row lock before they insert into uploads, so upload ids
    // are in commit order: each device's slice must be that device's highest-numbered upload.
    const lastUploads = await db.query<{ device: string; input_tokens: string | number }>(
      `SELECT DISTINCT ON (p.device) p.device, p.input_tokens FROM uploads p JOIN users u ON u.id = p.user_id
        WHERE u.username = $1 ORDER BY p.device, p.id DESC`,
      [username],
    );
    expect(Object.fromEntries(last.map((l) => [l.device, Number(l.input_tokens) * dates.length]))).toEqual(
      Object.fromEntries(lastUploads.map((l) => [l.device, Number(l.input_tokens)])),
    );
  });

  it('lists uploads for the owner and admin only', async () => {
    const owner = await registerUser(t.http);
    const other = await registerUser(t.http);
    await upload(t.http, owner.token, base(), { device: 'laptop', tz: 'Europe/Berlin' }).expect(200);
    await upload(t.http, owner.token, base(), { device: 'laptop' }).expect(200);
    const list = await t.http.get(`/api/v1/users/${owner.username}/uploads`).set('Authorization', `Bearer ${owner.token}`).expect(200);
    expect(list.body.total).toBe(2);
    expect(list.body.uploads[1]).toMatchObject({
      device: 'laptop',
      format: 'claude-daily',
      tz: 'Europe/Berlin',
      days: 7,
      inserted: 7,
      from: '2025-06-01',
      to: '2025-06-07',
    });
    expect(list.body.uploads[0]).toMatchObject({ inserted: 0, unchanged: 7, tz: null });
    expect(list.body.uploads[1].sizeBytes).toBe(Buffer.byteLength(JSON.stringify(base())));
    const csv = await t.http.get(`/api/v1/users/${owner.username}/uploads`).query({ format: 'csv' }).set('Authorization', `Bearer ${owner.token}`).expect(200);
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('id,createdAt,device,format,tz,days,from,to,inserted,updated,unchanged,totalTokens,totalCost,sizeBytes');
    expect(lines.slice(1, -1).map((l: string) => l.split(',').slice(2, 11).join(','))).toEqual([
      'laptop,claude-daily,,7,2025-06-01,2025-06-07,0,0,7',
      'laptop,claude-daily,Europe/Berlin,7,2025-06-01,2025-06-07,7,0,0',
    ]);
    await t.http.get(`/api/v1/users/${owner.username}/uploads`).set('Authorization', `Bearer ${other.token}`).expect(403);
    await t.http.get(`/api/v1/users/${owner.username}/uploads`).expect(401);
  });
});
