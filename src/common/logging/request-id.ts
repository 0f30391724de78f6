import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller may choose as its request id: short, and nothing that could break a log line or a header. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function isAcceptableRequestId(candidate: unknown): candidate is string {
  return typeof candidate === 'string' && ACCEPTABLE_REQUEST_ID.test(candidate);
}

/**
 * Fastify's `genReqId`: the caller's X-Request-Id when it is acceptable (so a trace crosses services),
 * otherwise a fresh UUID. A repeated header arrives joined with commas and is therefore replaced.
 */
export function requestIdFor(request: IncomingMessage): string {
  const offered = request.headers[REQUEST_ID_HEADER];
  return isAcceptableRequestId(offered) ? offered : randomUUID();
}
