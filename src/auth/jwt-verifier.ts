import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { APP_LOGGER, type AppLogger } from '../common/logging/logger.js';
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

/**
 * The configured JWKS endpoint could not be fetched or did not serve a key set (unreachable, timeout, not
 * 200, not JSON). No token can be verified meanwhile, so every one is refused: fail closed.
 */
export class KeySourceUnavailable extends Error {
  constructor(cause: unknown) {
    super('the signing keys could not be fetched', { cause });
    this.name = 'KeySourceUnavailable';
  }
}

interface CachedPrincipal {
  readonly principal: Principal;
  readonly validUntilMs: number;
}

const CACHE_LIMIT = 5_000;
const CACHE_TTL_MS = 60_000;
const JWKS_TIMEOUT_MS = 5_000;

/**
 * Verifies bearer JWTs with jose: signature under a configured key and an allow-listed algorithm (never
 * `none`; HMAC only when configured), `iss`, `aud`, `exp` (required), `nbf`, `sub`, and the RFC 7515 rule
 * that an unknown `crit` header is fatal. Keys come from the configured PEM or JWKS only; a key embedded in
 * the token's own header (`jwk`, `jku`, `x5c`, `x5u`) is never used.
 *
 * JWKS: the key set is cached for AUTH_JWKS_CACHE_SECONDS; a token whose `kid` is not in the cached set makes
 * one refetch (at most once per AUTH_JWKS_COOLDOWN_SECONDS), so a key added at the identity provider works at
 * once and a removed one stops working at the next refetch or expiry. While the endpoint cannot be reached and
 * the cached set has expired, every token is refused.
 *
 * Verified tokens are remembered for at most a minute (and never past `exp`), so a busy caller reusing its
 * token does not pay for a signature check on every request. A token verified just before its key was
 * removed therefore stays accepted for up to that minute.
 */
@Injectable()
export class JwtVerifier {
  private readonly key: KeyObject | JWTVerifyGetKey;
  private readonly auth: AuthConfig;
  private readonly verified = new Map<string, CachedPrincipal>();
  private keySourceFailing = false;

  constructor(
    @Inject(VAULT_CONFIG) config: VaultConfig,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    this.auth = config.auth;
    const source = config.auth.keySource;
    this.key = source.kind === 'pem' ? createPublicKey(readFileSync(source.file)) : remoteKeySet(source.url, source.cacheMaxAgeSeconds, source.cooldownSeconds);
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
      this.noteKeySource(null);
      return payload;
    } catch (error) {
      if (error instanceof KeySourceUnavailable) {
        this.noteKeySource(error);
        throw error;
      }
      this.noteKeySource(null);
      throw new TokenRejected(reasonFor(error));
    }
  }

  /** Logs the JWKS endpoint going away and coming back once each, with the failure's class only. */
  private noteKeySource(failure: KeySourceUnavailable | null): void {
    if (failure !== null && !this.keySourceFailing) {
      const cause = failure.cause as { name?: unknown; code?: unknown } | undefined;
      this.logger.warn({ err: typeof cause?.name === 'string' ? cause.name : 'Error', code: typeof cause?.code === 'string' ? cause.code : undefined }, 'JWKS endpoint unavailable: refusing every bearer token until it answers');
    } else if (failure === null && this.keySourceFailing) {
      this.logger.info('JWKS endpoint available again');
    }
    this.keySourceFailing = failure !== null;
  }

  private remember(token: string, principal: Principal, validUntilMs: number): void {
    if (this.verified.size >= CACHE_LIMIT) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, { principal, validUntilMs });
  }
}

/**
 * jose's remote key set, with fetch failures told apart from token faults: a failure to obtain the set
 * becomes KeySourceUnavailable; a set without a matching key stays JWKSNoMatchingKey (the token's fault).
 */
function remoteKeySet(url: string, cacheMaxAgeSeconds: number, cooldownSeconds: number): JWTVerifyGetKey {
  const keySet = createRemoteJWKSet(new URL(url), {
    cacheMaxAge: cacheMaxAgeSeconds * 1000,
    cooldownDuration: cooldownSeconds * 1000,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  return async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      throw isKeySetFetchFailure(error) ? new KeySourceUnavailable(error) : error;
    }
  };
}

/**
 * Errors of fetching the set: a timeout, an answer that is not a JWK Set, a non-200 answer or unparsable JSON
 * (jose's plain JOSEError), and network errors (fetch's TypeError, not a JOSEError at all).
 */
function isKeySetFetchFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  if (error instanceof errors.JOSEError) return error.code === errors.JOSEError.code;
  return true;
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
  if (error instanceof errors.JOSEError) return 'the token could not be verified';
  return 'the token is malformed';
}
