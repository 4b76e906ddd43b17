import { Global, Module } from '@nestjs/common';
import { Perimeter } from './perimeter.js';
import { RateLimitRepository } from './rate-limit.repository.js';

/** The perimeter that asks AuthService about every request, and the shared rate-limit counters. */
@Global()
@Module({
  providers: [RateLimitRepository, Perimeter],
  exports: [Perimeter],
})
export class SecurityModule {}
