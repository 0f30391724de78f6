import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { Principal } from './principal.js';
import { JwtVerifier, TokenRejected } from './jwt-verifier.js';
import { clientCertificateSubject } from '../tls/client-certificate.js';

const extractBearer = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * passport-jwt's strategy, with verification delegated to JwtVerifier (jose). passport-jwt's built-in
 * verifier (jsonwebtoken) supports neither EdDSA nor the RFC 7515 `crit` rule the contract requires, so
 * `authenticate` is the one method replaced; extraction and the passport flow stay passport-jwt's.
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
      this.fail({ reason: 'a bearer token is required' }, 401);
      return;
    }
    this.verifier.verify(token).then(
      // The certificate belongs to this connection, not to the (cached) token: added per request.
      (principal) => this.success({ ...principal, clientCertSubject: clientCertificateSubject(request as object) }),
      (error: unknown) => this.fail({ reason: error instanceof TokenRejected ? error.reason : 'the token could not be verified' }, 401),
    );
  }

  /** Required by PassportStrategy; unused because authenticate() hands over the principal itself. */
  validate(principal: Principal): Principal {
    return principal;
  }
}
