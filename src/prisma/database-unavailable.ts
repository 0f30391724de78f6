import { sqlStateOf } from './transaction-retry.js';

/**
 * PostgreSQL could not serve the statement in time, or at all: a bound in databaseTimeouts fired, the server
 * is going away, or connections ran out. The transaction rolled back, nothing was written, and retrying later
 * may succeed: a 503, never a 500 that reads like a bug in the request.
 */
const UNAVAILABLE_SQLSTATES = new Set([
  '55P03', // lock_not_available: lock_timeout
  '57014', // query_canceled: statement_timeout
  '25P03', // idle_in_transaction_session_timeout
  '57P01', '57P02', '57P03', // the server is shutting down or not accepting connections
  '53300', '53400', // too many connections
  '08000', '08001', '08003', '08004', '08006', // connection failures
  '40001', '40P01', // serialization failure, deadlock: still failing after withTransactionRetry
]);

/** Prisma's own codes for the same situations (pool or transaction timeouts, an unreachable server). */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);

/** Driver adapter error kinds (@prisma/adapter-pg) for the same situations. */
const UNAVAILABLE_ADAPTER_KINDS = new Set(['TooManyConnections', 'DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TransactionWriteConflict']);

/** node-postgres's pool reports a connection it could not get in time by this message only (no code). */
const POOL_TIMEOUT_MESSAGES = ['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout'];

export function isDatabaseUnavailable(error: unknown): boolean {
  const state = sqlStateOf(error);
  if (state !== undefined) return UNAVAILABLE_SQLSTATES.has(state);
  let node: unknown = error;
  for (let depth = 0; depth < 6 && node !== null && typeof node === 'object'; depth += 1) {
    const candidate = node as { code?: unknown; kind?: unknown; message?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };
    if (typeof candidate.code === 'string' && UNAVAILABLE_PRISMA_CODES.has(candidate.code)) return true;
    if (typeof candidate.kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(candidate.kind)) return true;
    if (typeof candidate.message === 'string' && POOL_TIMEOUT_MESSAGES.some((message) => (candidate.message as string).includes(message))) return true;
    node = candidate.meta?.driverAdapterError ?? candidate.cause;
  }
  return false;
}
