import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Config } from './config.schema.js';

export const CONFIG = Symbol('CONFIG');

/** Provides the configuration parsed once at start-up (see config.schema.ts). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: Config): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: CONFIG, useValue: config }], exports: [CONFIG] };
  }
}
