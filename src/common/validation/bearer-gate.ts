import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCode } from '../errors/error-code.js';
import { sendProblem } from '../errors/problem.filter.js';
import { VaultError } from '../errors/vault-error.js';

/** `Bearer <JWS compact serialization>`; the scheme is case-insensitive (RFC 9110), the token is base64url parts. */
const BEARER_JWS = /^bearer +[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/i;

/** Every `/v1` path, whether or not a route serves it, in any letter case. */
const API_PATH = /^\/v1(?:[/?#]|$)/i;

export function isApiRequest(request: FastifyRequest): boolean {
  return request.routeOptions.url?.startsWith('/v1') === true || API_PATH.test(request.url);
}

export function looksLikeBearerJwt(authorization: string | undefined): boolean {
  return authorization !== undefined && BEARER_JWS.test(authorization.trim());
}

/**
 * Refuses a /v1 request that carries no bearer JWT with 401 in the onRequest phase, before its body is read
 * or parsed: an anonymous caller can neither make the vault parse a large body nor learn anything from
 * validation. Only the shape is checked here; the global JWT guard still verifies every token.
 */
export function refuseAnonymousApiRequests(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (!isApiRequest(request) || looksLikeBearerJwt(request.headers.authorization)) return;
    return sendProblem(
      reply,
      new VaultError(ErrorCode.Unauthenticated, 'Authentication failed: a bearer token is required (Authorization: Bearer <JWT>).', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      }),
    );
  });
}
