import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupName } from '../../src/maintenance/backup.service.js';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

describe(`backup retention (${BACKEND})`, () => {
  let db: TestDatabase;
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-retention-'));
    db = await createTestDatabase();
    app = await startApp(db, {
      ADMIN_TOKEN: 'retention-token-of-the-backup-retention-test',
      BACKUP_DIR: dir,
      BACKUP_ENABLED: 'false',
      BACKUP_RETENTION_DAYS: '7',
    });
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names backups by UTC time', () => {
    expect(backupName(new Date('2026-03-04T05:06:07.890Z'))).toBe('backup_20260304_050607.sql.gz');
  });

  it('deletes backups older than BACKUP_RETENTION_DAYS after a successful run and keeps everything else', async () => {
    const day = 86_400_000;
    const aged = (name: string, days: number) => {
      writeFileSync(join(dir, name), 'old');
      const t = new Date(Date.now() - days * day);
      utimesSync(join(dir, name), t, t);
    };
    aged('backup_20200101_030000.sql.gz', 8);
    aged('backup_20200102_030000.sql.gz', 6);
    aged('notes.txt', 100); // not a backup: never touched

    const res = await app.http.post('/api/v1/maintenance/backups').set('Authorization', 'Bearer retention-token-of-the-backup-retention-test').expect(201);
    expect(readdirSync(dir).sort()).toEqual(['backup_20200102_030000.sql.gz', res.body.name, 'notes.txt'].sort());
  });
});
