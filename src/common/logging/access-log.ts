import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/principal.js';
import type { AppLogger } from './logger.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/**
 * Every request gets its id echoed in X-Request-Id (set first, so refusals carry it too) and exactly one
 * access line once the response is finished: method, route TEMPLATE, status, duration, request id and the
 * caller's `sub` when authenticated. Never the URL or query string (a URL can carry a token), headers, or
 * the body.
 */
export function logEveryRequest(fastify: FastifyInstance, logger: AppLogger): void {
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    logger.info(
      {
        requestId: request.id,
        method: request.method,
        route: routeTemplateOf(request),
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        sub: callerOf(request),
      },
      'request',
    );
  });
}

/** `/v1/tokens/:token`, never `/v1/tokens/123-45-6789`; `unmatched` for a URL no route serves. */
export function routeTemplateOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** The authenticated caller's subject; absent (not logged) for anonymous and refused requests. */
function callerOf(request: FastifyRequest): string | undefined {
  const sub = (request as FastifyRequest & { user?: Partial<Principal> }).user?.sub;
  return typeof sub === 'string' ? sub : undefined;
}
