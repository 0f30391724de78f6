import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../../src/prisma/database-unavailable.js';
import { sqlStateOf, withTransactionRetry } from '../../../src/prisma/transaction-retry.js';

/** What Prisma 7 with @prisma/adapter-pg throws for a failed raw query: its own code on top, the SQLSTATE beneath. */
function prismaRawQueryError(sqlState: string, kind = 'postgres'): Error {
  return Object.assign(new Error('Raw query failed'), {
    name: 'PrismaClientKnownRequestError',
    code: 'P2010',
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode: sqlState, kind, code: sqlState } } },
  });
}

describe('sqlStateOf', () => {
  it("finds the database's code beneath Prisma's own (P2010 has a SQLSTATE's shape but is not one)", () => {
    expect(sqlStateOf(prismaRawQueryError('55P03'))).toBe('55P03');
    expect(sqlStateOf(prismaRawQueryError('23505', 'UniqueConstraintViolation'))).toBe('23505');
  });

  it('reads a pg error, a nested cause, and a genuine P-class SQLSTATE raised by PL/pgSQL', () => {
    expect(sqlStateOf(Object.assign(new Error('x'), { code: '40P01' }))).toBe('40P01');
    expect(sqlStateOf(new Error('outer', { cause: Object.assign(new Error('inner'), { code: '57014' }) }))).toBe('57014');
    expect(sqlStateOf(Object.assign(new Error('raise'), { code: 'P0001' }))).toBe('P0001');
    expect(sqlStateOf(Object.assign(new Error('no state'), { name: 'PrismaClientKnownRequestError', code: 'P2002' }))).toBeUndefined();
    expect(sqlStateOf(new Error('plain'))).toBeUndefined();
  });
});

describe('withTransactionRetry', () => {
  it('runs a transaction again after a deadlock reported through Prisma, and gives up on anything else', async () => {
    let attempts = 0;
    await expect(
      withTransactionRetry(async () => {
        attempts += 1;
        if (attempts < 3) throw prismaRawQueryError('40P01');
        return 'committed';
      }),
    ).resolves.toBe('committed');
    expect(attempts).toBe(3);
    let other = 0;
    await expect(withTransactionRetry(async () => ((other += 1), Promise.reject(prismaRawQueryError('23505'))))).rejects.toThrow();
    expect(other).toBe(1);
  });
});

describe('isDatabaseUnavailable', () => {
  it('is true for bounded waits that fired and for a server going away; false for errors of the request itself', () => {
    for (const state of ['55P03', '57014', '25P03', '57P01', '53300', '08006', '40P01']) expect(isDatabaseUnavailable(prismaRawQueryError(state)), state).toBe(true);
    for (const state of ['23505', '22P02', '42P01']) expect(isDatabaseUnavailable(prismaRawQueryError(state)), state).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { name: 'PrismaClientKnownRequestError', code: 'P2028' }))).toBe(true);
    expect(isDatabaseUnavailable({ name: 'DriverAdapterError', cause: { kind: 'DatabaseNotReachable' } })).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
  });
});
