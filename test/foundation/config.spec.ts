import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../src/config/config.schema.js';
import { spawnService } from '../helpers/process.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults to the embedded database in ./data on port 3000 of every interface', () => {
    const config = parseConfig({});
    expect(config.database).toEqual({ backend: 'embedded', dataDir: './data' });
    expect([config.port, config.host, config.migrateOnStart, config.bodyLimitBytes]).toEqual([3000, '0.0.0.0', true, 4 * 1024 * 1024]);
  });

  it('uses PostgreSQL with the spec defaults when DB_HOST is set', () => {
    expect(parseConfig({ DB_HOST: 'db.internal' }).database).toEqual({
      backend: 'postgres',
      connectionString: undefined,
      host: 'db.internal',
      port: 9099,
      user: 'localdev',
      password: 'db-test-pass',
      database: 'claude_code_stats',
      ssl: false,
      poolMax: 20,
      idleTimeoutMs: 30_000,
      connectTimeoutMs: 2_000,
    });
  });

  it('uses PostgreSQL when DATABASE_URL is set, with SSL when asked', () => {
    const config = parseConfig({ DATABASE_URL: 'postgres://u:p@h:5/d', DB_SSL: 'no-verify' });
    expect(config.database).toMatchObject({ backend: 'postgres', connectionString: 'postgres://u:p@h:5/d', ssl: { rejectUnauthorized: false } });
  });

  it('reads the password from DB_PASSWORD_FILE (Docker secrets), without the trailing newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccs-secret-'));
    writeFileSync(join(dir, 'db-password'), 's3cret pass\n');
    const config = parseConfig({ DB_HOST: 'h', DB_PASSWORD: 'ignored', DB_PASSWORD_FILE: join(dir, 'db-password') });
    expect(config.database).toMatchObject({ password: 's3cret pass' });
    expect(problemsOf({ DB_HOST: 'h', DB_PASSWORD_FILE: join(dir, 'missing') })).toEqual([`DB_PASSWORD_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`]);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT: must be an integer from 0 to 65535'],
    [{ PORT: '70000' }, 'PORT: must be an integer from 0 to 65535'],
    [{ DB_PORT: '-1' }, 'DB_PORT: must be an integer from 1 to 65535'],
    [{ DB_MIGRATE_ON_START: 'maybe' }, 'DB_MIGRATE_ON_START: must be true or false'],
    [{ DB_SSL: 'on' }, 'DB_SSL: must be false, true or no-verify'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must be a postgres:// or postgresql:// URL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV:'],
    [{ RETENTION_DAYS: '30' }, 'RETENTION_DAYS: must be from 31 to 36500'],
  ])('rejects %j naming the variable', (env, message) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('leaves retention off unless RETENTION_DAYS is set, and accepts 31 days', () => {
    expect(parseConfig({}).retention.days).toBeUndefined();
    expect(parseConfig({ RETENTION_DAYS: '31' }).retention).toEqual({ days: 31, cron: '30 3 * * *', archiveDir: './archive' });
  });

  it('lists every invalid variable at once', () => {
    expect(problemsOf({ PORT: 'x', DB_POOL_MAX: '0' }).map((p) => p.split(':')[0])).toEqual(['PORT', 'DB_POOL_MAX']);
  });

  it('stops the process with exit code 78 and a message naming the variable', async () => {
    const service = spawnService({ PORT: 'not-a-port', DATA_DIR: 'memory://' });
    expect(await service.exited).toBe(78);
    expect(service.output()).toContain('Invalid configuration');
    expect(service.output()).toContain('PORT: must be an integer from 0 to 65535');
  });
});
