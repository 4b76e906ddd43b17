import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { PGlite } from '@electric-sql/pglite';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/config.schema.js';
import { EmbeddedConnection, rowsOf } from '../../src/db/database-connection.js';
import { manifestFileOf, readTemplate, type TemplateManifest, unpackTemplate } from '../../src/db/embedded-template.js';
import { appliedMigrationCount, MIGRATIONS_FOLDER, runMigrations } from '../../src/db/migrate.js';
import { loadSqlDump } from '../../src/db/sql-dump-loader.js';
import { buildEmbeddedTemplate } from '../../src/scripts/build-embedded-template.js';
import { registerUser, upload } from '../helpers/api.js';
import { expectedDays, fixture } from '../helpers/ccusage.js';
import { BACKEND } from '../helpers/database.js';

const MIGRATIONS = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
const REPORT = fixture('claude-daily.json');
const REPORT_TOKENS = [...expectedDays(REPORT).values()].reduce((sum, day) => sum + day.totalTokens, 0);

/** What a cluster holds, read the same way from the original and from its restored backup. */
const CONTENTS_SQL = `
  SELECT
    (SELECT string_agg(username, ',' ORDER BY username) FROM users) AS users,
    (SELECT count(*) FROM usage_stats)::text AS days,
    (SELECT sum(total_tokens)::text FROM usage_stats) AS total_tokens,
    (SELECT count(*) FROM model_usage)::text AS model_rows,
    (SELECT string_agg(hash, ',' ORDER BY id) FROM drizzle.__drizzle_migrations) AS migrations`;

/** The migrations a cluster records as applied: their SQL hashes, in order. */
async function recordedMigrations(connection: EmbeddedConnection): Promise<string[]> {
  return rowsOf<{ hash: string }>(await connection.db.execute('SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id')).map((r) => r.hash);
}

/** Boots the real app on `connection`, registers a user and uploads a real ccusage report; closing the app closes the connection. */
async function uploadThroughApp(connection: EmbeddedConnection): Promise<string> {
  const config = parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', RATE_LIMITS: 'false', DATA_DIR: 'memory://' });
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app = await createApp(config, { connection, logStream: quiet });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const http = request(app.getHttpServer());
    const { username, token } = await registerUser(http);
    await upload(http, token, REPORT).expect(200);
    const usage = await http.get(`/api/v1/users/${username}/usage`).expect(200);
    const rows = usage.body.rows as Array<{ totalTokens: number }>;
    expect(rows.reduce((sum, r) => sum + r.totalTokens, 0)).toBe(REPORT_TOKENS);
    return username;
  } finally {
    await app.close();
  }
}

(BACKEND === 'embedded' ? describe : describe.skip)('the embedded database starts new clusters from the build template', () => {
  let dir: string;
  let templateFile: string;
  let manifest: TemplateManifest;
  let backup: { sql: string; contents: Record<string, string> } | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-template-'));
    templateFile = join(dir, 'build', 'embedded-template.tar.gz');
    manifest = await buildEmbeddedTemplate(templateFile);
  }, 180_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the template whose manifest has been changed by `edit`. */
  function alteredTemplate(name: string, edit: (m: TemplateManifest) => void): string {
    const file = join(dir, name, 'embedded-template.tar.gz');
    mkdirSync(join(dir, name), { recursive: true });
    copyFileSync(templateFile, file);
    const altered = JSON.parse(readFileSync(manifestFileOf(templateFile), 'utf8')) as TemplateManifest;
    edit(altered);
    writeFileSync(manifestFileOf(file), JSON.stringify(altered));
    return file;
  }

  it('records what it was built from', () => {
    expect(manifest.migrations.count).toBe(MIGRATIONS.length);
    expect(manifest.archive.bytes).toBe(readFileSync(templateFile).length);
    expect(readTemplate(templateFile).archive?.length).toBe(manifest.archive.bytes);
  });

  it('a new DATA_DIR opened from it has every migration applied, takes an upload, keeps it, and backs up', async () => {
    const dataDir = join(dir, 'data-from-template');
    const connection = await EmbeddedConnection.open(dataDir, { templateFile });
    expect(connection.clusterOrigin).toBe('template');
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dataDir, 'service.lock'))).toBe(true);
    // The migrations recorded are exactly the SQL files drizzle/ holds now, so start-up has none left.
    expect(await recordedMigrations(connection)).toEqual(MIGRATIONS.map((m) => m.hash));
    expect(await runMigrations(connection)).toEqual({ applied: 0, total: MIGRATIONS.length });

    const username = await uploadThroughApp(connection);
    expect(existsSync(join(dataDir, 'service.lock'))).toBe(false);

    const reopened = await EmbeddedConnection.open(dataDir, { templateFile });
    try {
      expect(reopened.clusterOrigin).toBe('existing');
      const [contents] = rowsOf<Record<string, string>>(await reopened.db.execute(CONTENTS_SQL));
      expect(contents).toMatchObject({ users: username, total_tokens: String(REPORT_TOKENS) });
      let sql = '';
      await reopened.dump(async (stream) => {
        sql = await text(stream);
      });
      backup = { sql, contents };
    } finally {
      await reopened.close();
    }
  });

  it("a backup of a template-born cluster restores into a new database (restore-embedded's path) with the same contents", async () => {
    expect(backup?.sql).toContain('PostgreSQL database dump complete');
    const restored = await PGlite.create('memory://');
    try {
      await loadSqlDump(restored, backup!.sql);
      await restored.exec('RESET search_path'); // the dump empties it for its own session
      const [contents] = (await restored.query<Record<string, string>>(CONTENTS_SQL)).rows;
      expect(contents).toEqual(backup!.contents);
    } finally {
      await restored.close();
    }
  });

  it('a template built for other migrations is not used: initdb makes the cluster, the migrations run, uploads work', async () => {
    const stale = alteredTemplate('stale', (m) => {
      m.migrations = { count: m.migrations.count - 1, sha256: '0'.repeat(64) };
    });
    expect(readTemplate(stale).unusable).toMatch(/differ from the \d+ in drizzle/);
    const dataDir = join(dir, 'data-from-initdb');
    const connection = await EmbeddedConnection.open(dataDir, { templateFile: stale });
    expect(connection.clusterOrigin).toBe('initdb');
    expect(await appliedMigrationCount(connection.db)).toBe(0);
    expect(await runMigrations(connection)).toEqual({ applied: MIGRATIONS.length, total: MIGRATIONS.length });
    await uploadThroughApp(connection);
  });

  it('a missing, replaced or foreign template is refused with the reason', () => {
    expect(readTemplate(join(dir, 'nowhere', 'embedded-template.tar.gz')).unusable).toMatch(/^no template at /);
    const replaced = alteredTemplate('replaced', (m) => {
      m.archive.sha256 = 'f'.repeat(64);
    });
    expect(readTemplate(replaced).unusable).toMatch(/is not the archive its manifest describes/);
    const foreign = alteredTemplate('foreign', (m) => {
      m.pglite = '0.0.1';
    });
    expect(readTemplate(foreign).unusable).toMatch(/^template made by PGlite 0\.0\.1/);
  });

  it('an unpacking cut short leaves no cluster, and the next start unpacks again over the remains', async () => {
    const dataDir = join(dir, 'data-cut-short');
    mkdirSync(dataDir);
    const archive = readTemplate(templateFile).archive!;
    await expect(unpackTemplate(archive.subarray(0, archive.length / 2), dataDir)).rejects.toThrow();
    expect(existsSync(join(dataDir, 'base'))).toBe(true);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(false);
    const connection = await EmbeddedConnection.open(dataDir, { templateFile });
    try {
      expect(connection.clusterOrigin).toBe('template');
      expect(await recordedMigrations(connection)).toEqual(MIGRATIONS.map((m) => m.hash));
    } finally {
      await connection.close();
    }
  });

  it('memory:// starts from it too', async () => {
    const connection = await EmbeddedConnection.open('memory://', { templateFile });
    try {
      expect(connection.clusterOrigin).toBe('template');
      expect(await recordedMigrations(connection)).toEqual(MIGRATIONS.map((m) => m.hash));
    } finally {
      await connection.close();
    }
  });
});
