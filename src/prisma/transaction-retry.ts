/** PostgreSQL codes after which the whole transaction may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Finds a SQLSTATE anywhere Prisma or the pg driver put it. A Prisma error's own code (P2010 "raw query
 * failed", ...) has the same shape as a SQLSTATE but is not one: the database's code lies beneath it, in
 * meta.driverAdapterError.cause (Prisma 7 driver adapters) or meta.code.
 */
export function sqlStateOf(error: unknown): string | undefined {
  let node: unknown = error;
  for (let depth = 0; depth < 6 && node !== null && typeof node === 'object'; depth += 1) {
    const candidate = node as { name?: unknown; code?: unknown; originalCode?: unknown; meta?: { code?: unknown; driverAdapterError?: unknown }; cause?: unknown };
    const prismaError = typeof candidate.name === 'string' && candidate.name.startsWith('PrismaClient');
    if (!prismaError) {
      if (typeof candidate.originalCode === 'string' && SQLSTATE.test(candidate.originalCode)) return candidate.originalCode;
      if (typeof candidate.code === 'string' && SQLSTATE.test(candidate.code)) return candidate.code;
    }
    if (typeof candidate.meta?.code === 'string' && SQLSTATE.test(candidate.meta.code)) return candidate.meta.code;
    node = candidate.meta?.driverAdapterError ?? candidate.cause;
  }
  return undefined;
}

/**
 * Runs a transaction again after a deadlock or serialization failure (each attempt either commits whole or
 * leaves nothing behind), a few times at most.
 */
export async function withTransactionRetry<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      const state = sqlStateOf(error);
      if (attempt >= attempts || state === undefined || !RETRYABLE.has(state)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2 ** attempt + Math.random() * 10));
    }
  }
}
