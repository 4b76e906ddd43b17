import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AuthModule } from './auth/auth.module.js';
import { HttpViewsInterceptor } from './common/http-views.js';
import { loggerParams } from './common/logging.js';
import { ReadCoalescerModule } from './common/read-coalescer.js';
import { ConfigModule } from './config/config.module.js';
import type { Config } from './config/config.schema.js';
import type { DatabaseConnection } from './db/database-connection.js';
import { DatabaseModule } from './db/database.module.js';
import { HealthModule } from './health/health.module.js';
import { IngestionModule } from './ingestion/ingestion.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ModelsModule } from './models/models.module.js';
import { RankingIndexModule } from './read-model/ranking-index.service.js';
import { SecurityModule } from './security/security.module.js';
import { TeamsModule } from './teams/teams.module.js';
import { UsageModule } from './usage/usage.module.js';
import { UsersModule } from './users/users.module.js';

export interface AppOptions {
  /** Use this open database instead of opening one from the configuration (tests share one). */
  connection?: DatabaseConnection;
  /** Where request logs go instead of stdout (tests read them). */
  logStream?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: Config, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config, options.logStream)),
        DatabaseModule.forRoot({ connection: options.connection }),
        AuthModule,
        SecurityModule,
        ReadCoalescerModule,
        RankingIndexModule,
        MetricsModule,
        UsersModule,
        TeamsModule,
        UsageModule,
        IngestionModule,
        ModelsModule,
        HealthModule,
        MaintenanceModule,
      ],
      // CSV views and HTTP caching, declared on routes (common/http-views.ts).
      providers: [{ provide: APP_INTERCEPTOR, useClass: HttpViewsInterceptor }],
    };
  }
}
