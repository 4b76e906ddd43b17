import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Perimeter } from '../security/perimeter.js';
import { RateLimitRepository } from '../security/rate-limit.repository.js';
import { AuthGuard } from './auth.guard.js';
import { AuthRepository } from './auth.repository.js';
import { AuthService } from './auth.service.js';

/** Who is calling (AuthService, the perimeter that asks it on every request) and how often (the rate limits). */
@Global()
@Module({
  providers: [AuthRepository, AuthService, RateLimitRepository, Perimeter, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService, Perimeter],
})
export class AuthModule {}
