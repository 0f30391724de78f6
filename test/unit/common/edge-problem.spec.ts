import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/common/errors/error-code.js';
import { describeCause, problemOf, toVaultError } from '../../../src/common/errors/problem.filter.js';
import { VaultError } from '../../../src/common/errors/vault-error.js';

const SSN = '078-05-1120';

/** Shaped like Prisma's known-request error: its message and meta quote the query's parameters. */
class PrismaClientKnownRequestError extends Error {
  override name = 'PrismaClientKnownRequestError';
  readonly meta = { target: ['fingerprint'], driverAdapterError: { cause: { originalMessage: `duplicate ${SSN}` } } };
  constructor(readonly code: string) {
    super(`Invalid \`prisma.token.create()\` invocation: value ${SSN} violates a constraint`);
  }
}

describe('the 500 path reveals and logs identifiers only', () => {
  it('maps an unknown error to a generic internal problem, keeping it only as the cause', () => {
    const error = toVaultError(new PrismaClientKnownRequestError('P2002'));
    expect(error.code).toBe(ErrorCode.Internal);
    expect(error.detail).toBe('The vault could not complete the request.');
    expect(JSON.stringify(problemOf(error, 'req-1'))).not.toContain(SSN);
    expect(problemOf(error, 'req-1')).toMatchObject({ status: 500, code: 'internal_error', requestId: 'req-1' });
  });

  it('describes a Prisma error by class and code, never its message or meta', () => {
    const described = describeCause(toVaultError(new PrismaClientKnownRequestError('P2002')));
    expect(described).toEqual({ name: 'VaultError', cause: 'PrismaClientKnownRequestError', dbCode: 'P2002' });
    expect(describeCause(new PrismaClientKnownRequestError('23505'))).toEqual({ name: 'PrismaClientKnownRequestError', dbCode: '23505' });
  });

  it('drops a "code" or "name" that is free text rather than an identifier', () => {
    const odd = Object.assign(new Error(SSN), { code: `duplicate key ${SSN}` });
    odd.name = `Error for ${SSN}`;
    const described = describeCause(odd);
    expect(described).toEqual({ name: 'Error' });
    expect(describeCause('a thrown string')).toEqual({ type: 'string' });
  });

  it('keeps a VaultError as it is: its detail is written for the caller', () => {
    const refused = new VaultError(ErrorCode.Forbidden, 'This call needs the scope vault:admin.');
    expect(toVaultError(refused)).toBe(refused);
    expect(problemOf(refused, undefined)).not.toHaveProperty('requestId');
  });
});
