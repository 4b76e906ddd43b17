import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { DatabaseConnection, openDatabase } from './database-connection.js';
import { runMigrations } from './migrate.js';

/** The Drizzle instance (type `Database`): what repositories inject. */
export const DB = Symbol('DB');

export interface DatabaseModuleOptions {
  /** An already open connection to use instead of opening one from the configuration (tests). */
  connection?: DatabaseConnection;
}

@Injectable()
class DatabaseShutdown implements OnApplicationShutdown {
  constructor(private readonly connection: DatabaseConnection) {}

  /** Runs after the HTTP server has stopped and in-flight requests have finished. */
  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions = {}): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DatabaseConnection,
          inject: [CONFIG],
          useFactory: async (config: Config) => {
            const logger = new Logger('Database');
            const connection = options.connection ?? (await openDatabase(config.database, logger, { fromTemplate: config.migrateOnStart }));
            const where =
              config.database.backend === 'embedded'
                ? `embedded PostgreSQL (PGlite) in ${config.database.dataDir}`
                : `PostgreSQL at ${describeTarget(config.database)}`;
            logger.log(`using ${where}, server ${await connection.serverVersion()}`);
            if (config.migrateOnStart) {
              try {
                const { applied, total } = await runMigrations(connection);
                connection.migratedAtStart = applied;
                logger.log(`migrations: ${applied} applied now, ${total} in all`);
              } catch (error) {
                await connection.close();
                throw error;
              }
            } else {
              logger.log('migrations at start-up are off (DB_MIGRATE_ON_START=false)');
            }
            return connection;
          },
        },
        { provide: DB, inject: [DatabaseConnection], useFactory: (c: DatabaseConnection) => c.db },
        DatabaseShutdown,
      ],
      exports: [DatabaseConnection, DB],
    };
  }
}

export const InjectDb = () => Inject(DB);

function describeTarget(settings: Extract<Config['database'], { backend: 'postgres' }>): string {
  if (!settings.connectionString) return `${settings.host}:${settings.port}/${settings.database}`;
  try {
    const url = new URL(settings.connectionString);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`; // never log the password
  } catch {
    return 'DATABASE_URL';
  }
}
