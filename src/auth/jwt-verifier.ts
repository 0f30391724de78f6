import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { VAULT_CONFIG, type AuthConfig, type VaultConfig } from '../config/vault-config.js';
import { principalFromClaims } from './claims.js';
import type { Principal } from './principal.js';

/** Why a bearer token was refused; safe to show the caller (it names the rule, not the token). */
export class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TokenRejected';
  }
}

interface CachedPrincipal {
  readonly principal: Principal;
  readonly validUntilMs: number;
}

const CACHE_LIMIT = 5_000;
const CACHE_TTL_MS = 60_000;

/**
 * Verifies bearer JWTs with jose: signature under a configured key and an allow-listed algorithm (never
 * `none`; HMAC only when configured), `iss`, `aud`, `exp` (required), `nbf`, `sub`, and the RFC 7515 rule
 * that an unknown `crit` header is fatal. Keys come from the configured PEM or JWKS only; a key embedded in
 * the token's own header (`jwk`, `jku`, `x5c`, `x5u`) is never used.
 *
 * Verified tokens are remembered for at most a minute (and never past `exp`), so a busy caller reusing its
 * token does not pay for a signature check on every request.
 */
@Injectable()
export class JwtVerifier {
  private readonly key: KeyObject | JWTVerifyGetKey;
  private readonly auth: AuthConfig;
  private readonly verified = new Map<string, CachedPrincipal>();

  constructor(@Inject(VAULT_CONFIG) config: VaultConfig) {
    this.auth = config.auth;
    this.key =
      config.auth.keySource.kind === 'pem'
        ? createPublicKey(readFileSync(config.auth.keySource.file))
        : createRemoteJWKSet(new URL(config.auth.keySource.url), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 });
  }

  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const cached = this.verified.get(token);
    if (cached !== undefined && cached.validUntilMs > now) return cached.principal;
    if (cached !== undefined) this.verified.delete(token);

    const claims = await this.verifySignatureAndClaims(token);
    const principal = principalFromClaims(claims, this.auth.rolesClaim, this.auth.scopesClaim);
    if (principal === null) throw new TokenRejected('the token has no subject (`sub`)');
    this.remember(token, principal, Math.min((claims.exp as number) * 1000, now + CACHE_TTL_MS));
    return principal;
  }

  private async verifySignatureAndClaims(token: string) {
    try {
      const options = {
        issuer: this.auth.issuer,
        audience: this.auth.audience,
        algorithms: [...this.auth.algorithms],
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.auth.clockToleranceSeconds,
        crit: {},
      };
      const { payload } =
        typeof this.key === 'function' ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      return payload;
    } catch (error) {
      throw new TokenRejected(reasonFor(error));
    }
  }

  private remember(token: string, principal: Principal, validUntilMs: number): void {
    if (this.verified.size >= CACHE_LIMIT) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, { principal, validUntilMs });
  }
}

function reasonFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token's \`${error.claim}\` claim is missing or not accepted`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm that is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JOSENotSupported) return 'the token uses an unsupported algorithm or critical header';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no configured key matches the token';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JOSEError) return 'the token could not be verified';
  return 'the token is malformed';
}
