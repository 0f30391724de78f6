import { describe, expect, it } from 'vitest';
import { claimAt, principalFromClaims } from '../../../src/auth/claims.js';

describe('claims to principal', () => {
  it('reads RFC 9068 claims: space-separated scope, roles array, client_id', () => {
    const principal = principalFromClaims({ sub: 'alice', scope: 'vault:tokenize  vault:detokenize', roles: ['clinician', 'clinician'], client_id: 'ehr' }, 'roles', 'scope');
    expect(principal).toEqual({ sub: 'alice', roles: ['clinician'], scopes: new Set(['vault:tokenize', 'vault:detokenize']), clientId: 'ehr' });
  });

  it('reads dotted paths (Keycloak realm_access.roles) and array scopes (Entra ID scp)', () => {
    const principal = principalFromClaims({ sub: 'bob', realm_access: { roles: ['service'] }, scp: ['audit:read'] }, 'realm_access.roles', 'scp');
    expect(principal?.roles).toEqual(['service']);
    expect([...(principal?.scopes ?? [])]).toEqual(['audit:read']);
  });

  it('grants nothing for malformed role or scope claims, rather than guessing', () => {
    const principal = principalFromClaims({ sub: 'eve', roles: 'clinician', scope: 42 }, 'roles', 'scope');
    expect(principal?.roles).toEqual([]);
    expect(principal?.scopes.size).toBe(0);
    expect(principalFromClaims({ sub: 'eve', roles: ['service', 7, null] }, 'roles', 'scope')?.roles).toEqual(['service']);
  });

  it('has no principal without a subject', () => {
    expect(principalFromClaims({ scope: 'vault:tokenize' }, 'roles', 'scope')).toBeNull();
    expect(principalFromClaims({ sub: '  ' }, 'roles', 'scope')).toBeNull();
  });

  it('does not walk into inherited properties', () => {
    expect(claimAt({ sub: 'x' }, 'constructor.name')).toBeUndefined();
    expect(claimAt({ a: { b: 1 } }, 'a.b.c')).toBeUndefined();
  });
});
