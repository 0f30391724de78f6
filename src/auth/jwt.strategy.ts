import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { withClientCertificate, type Principal } from './principal.js';
import { JwtVerifier, KeySourceUnavailable, TokenRejected } from './jwt-verifier.js';
import { clientCertificateSubject } from '../tls/client-certificate.js';

const extractBearer = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * passport-jwt's strategy, with verification delegated to JwtVerifier (jose). passport-jwt's built-in
 * verifier (jsonwebtoken) supports neither EdDSA nor the RFC 7515 `crit` rule the contract requires, so
 * `authenticate` is the one method replaced; extraction and the passport flow stay passport-jwt's.
 *
 * Every refusal goes through passport's `error` with the VaultError to answer (JwtAuthGuard): passport's
 * `fail` would either write the response itself or, with failWithError, drop the reason the caller is told.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(private readonly verifier: JwtVerifier) {
    super({
      jwtFromRequest: extractBearer,
      // Never consulted: authenticate() below verifies with jose. passport-jwt insists on a key source.
      secretOrKeyProvider: (_request: unknown, _token: unknown, done: (error: Error) => void) => done(new Error('unused')),
    });
  }

  override authenticate(request: Parameters<typeof extractBearer>[0]): void {
    const token = extractBearer(request);
    if (!token) {
      this.error(unauthenticated('a bearer token is required'));
      return;
    }
    this.verifier.verify(token).then(
      // The certificate belongs to this connection, not to the (cached) token: added per request.
      (principal) => this.success(withClientCertificate(principal, clientCertificateSubject(request as object))),
      (error: unknown) => this.error(refusalFor(error)),
    );
  }

  /** Required by PassportStrategy; unused because authenticate() hands over the principal itself. */
  validate(principal: Principal): Principal {
    return principal;
  }
}

/** The 401 every refused token gets, naming what was wrong with it (never the token). */
export function unauthenticated(reason: string): VaultError {
  return new VaultError(ErrorCode.Unauthenticated, `Authentication failed: ${reason}.`, { headers: { 'WWW-Authenticate': 'Bearer' } });
}

function refusalFor(error: unknown): VaultError {
  // Not the caller's fault and nothing to re-authenticate: the identity provider's keys are unreachable (fail closed).
  if (error instanceof KeySourceUnavailable) {
    return new VaultError(ErrorCode.ServiceUnavailable, 'The identity provider\'s signing keys are unavailable; try again shortly.', {
      headers: { 'Retry-After': '5', 'WWW-Authenticate': 'Bearer' },
      cause: error,
    });
  }
  return unauthenticated(error instanceof TokenRejected ? error.reason : 'the token could not be verified');
}
