import { Injectable } from '@nestjs/common';
import { packageInfo } from '../common/package-info.js';
import { DatabaseConnection } from '../db/database-connection.js';
import { appliedMigrationCount, committedMigrationCount } from '../db/migrate.js';
import type { Info } from './info.schemas.js';

@Injectable()
export class InfoService {
  private readonly available = committedMigrationCount();

  constructor(private readonly connection: DatabaseConnection) {}

  async info(): Promise<Info> {
    const [serverVersion, applied] = await Promise.all([this.connection.serverVersion(), appliedMigrationCount(this.connection.db)]);
    return {
      name: packageInfo.name,
      version: packageInfo.version,
      database: { backend: this.connection.backend, serverVersion },
      migrations: { applied, available: this.available },
    };
  }
}
