import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { JwtAuthGuard, ScopeGuard } from './guards.js';
import { JwtStrategy } from './jwt.strategy.js';
import { JwtVerifier } from './jwt-verifier.js';

@Module({
  imports: [PassportModule.register({ session: false })],
  providers: [
    JwtVerifier,
    JwtStrategy,
    // Order matters: authenticate (401) before authorize (403).
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: ScopeGuard },
  ],
  exports: [JwtVerifier],
})
export class AuthModule {}
