import { generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUDIENCE, TEST_ISSUER } from '../support/jwt.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const goodClaims = () => ({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'mallory', scope: 'vault:tokenize', roles: ['service'], exp: now() + 300 });

describe('authentication: forged and invalid JWTs get 401', () => {
  let vault: TestVault;
  beforeAll(async () => {
    vault = await startTestVault();
  });
  afterAll(async () => {
    await vault?.close();
  });

  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...header }).sign(vault.signer.privateKey);

  const probe = (authorization?: string) => {
    const call = vault.http().get('/v1/tokens/123-45-6789');
    return authorization === undefined ? call : call.set('Authorization', authorization);
  };

  async function expectUnauthenticated(authorization: string | undefined) {
    const response = await probe(authorization);
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(response.headers['www-authenticate']).toBe('Bearer');
    return response;
  }

  it('accepts a properly signed token (the control case)', async () => {
    const response = await probe(`Bearer ${await sign(goodClaims())}`);
    expect(response.status).toBe(404); // authenticated and authorized; the token simply does not exist
  });

  it('refuses a request without Authorization, or with another scheme', async () => {
    await expectUnauthenticated(undefined);
    await expectUnauthenticated(`Basic ${b64url('alice:secret')}`);
    await expectUnauthenticated('Bearer');
    await expectUnauthenticated('Bearer not.a.jwt');
  });

  it('refuses alg "none"', async () => {
    await expectUnauthenticated(`Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(goodClaims())}.`);
  });

  it('refuses HS256 signed with the public key as the HMAC secret', async () => {
    const forged = await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(vault.signer.publicKeyPem));
    await expectUnauthenticated(`Bearer ${forged}`);
  });

  it('refuses a token carrying its own key in the header (jwk), signed by that key', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = await exportJWK(attacker.publicKey);
    const forged = await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256', jwk }).sign(attacker.privateKey);
    await expectUnauthenticated(`Bearer ${forged}`);
  });

  it('refuses a token pointing at its own key set (jku) or signed by an unknown key', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256', jku: 'https://attacker.example/jwks.json' }).sign(attacker.privateKey);
    await expectUnauthenticated(`Bearer ${forged}`);
  });

  it('refuses an unknown critical header, even when the signature is valid', async () => {
    // jose will not even sign this, so sign it by hand: a valid RS256 signature over a header with an unknown crit.
    const input = `${b64url({ alg: 'RS256', crit: ['http://example.com/must-understand'], 'http://example.com/must-understand': true })}.${b64url(goodClaims())}`;
    const signature = rsaSign('sha256', Buffer.from(input), vault.signer.privateKey).toString('base64url');
    const response = await expectUnauthenticated(`Bearer ${input}.${signature}`);
    expect(response.body.detail).toMatch(/critical header|unsupported/);
  });

  it('refuses expired, not-yet-valid and exp-less tokens', async () => {
    await expectUnauthenticated(`Bearer ${await sign({ ...goodClaims(), exp: now() - 60 })}`);
    await expectUnauthenticated(`Bearer ${await sign({ ...goodClaims(), nbf: now() + 600 })}`);
    const { exp: _exp, ...withoutExp } = goodClaims();
    await expectUnauthenticated(`Bearer ${await sign(withoutExp)}`);
  });

  it('refuses the wrong issuer or audience, and a token without sub', async () => {
    await expectUnauthenticated(`Bearer ${await sign({ ...goodClaims(), iss: 'https://evil.example' })}`);
    await expectUnauthenticated(`Bearer ${await sign({ ...goodClaims(), aud: 'another-api' })}`);
    const { sub: _sub, ...withoutSub } = goodClaims();
    await expectUnauthenticated(`Bearer ${await sign(withoutSub)}`);
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await sign(goodClaims())).split('.');
    await expectUnauthenticated(`Bearer ${header}.${b64url({ ...goodClaims(), scope: 'vault:admin vault:detokenize' })}.${signature}`);
  });

  it('answers 403 to a valid token without the needed scope, and 401 before 403', async () => {
    const noScope = await probe(`Bearer ${await sign({ ...goodClaims(), scope: 'audit:read' })}`);
    expect(noScope.status).toBe(403);
    expect(noScope.body).toMatchObject({ code: 'forbidden' });
    await expectUnauthenticated(`Bearer ${await sign({ ...goodClaims(), scope: 'audit:read', exp: now() - 5 })}`);
  });

  it('leaves health, metrics and docs open', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics', '/docs/json']) {
      expect((await vault.http().get(path)).status, path).toBe(200);
    }
  });
});

describe('authentication: other key types and claim locations', () => {
  let vault: TestVault;
  const ed = generateKeyPairSync('ed25519');
  beforeAll(async () => {
    const file = join(tmpdir(), `phi-vault-ed25519-${process.pid}.pem`);
    writeFileSync(file, ed.publicKey.export({ type: 'spki', format: 'pem' }));
    vault = await startTestVault({
      env: { AUTH_PUBLIC_KEY_FILE: file, AUTH_ROLES_CLAIM: 'realm_access.roles', AUTH_SCOPES_CLAIM: 'scp' },
    });
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('accepts EdDSA and reads roles and scopes from configured paths (scope as an array)', async () => {
    const jwt = await new SignJWT({ realm_access: { roles: ['service'] }, scp: ['vault:tokenize'] })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setSubject('svc')
      .setExpirationTime(now() + 60)
      .sign(ed.privateKey);
    const response = await vault.http().post('/v1/tokenize').set('Authorization', `Bearer ${jwt}`).send({ items: [{ type: 'zip', value: '02139' }] });
    expect(response.status).toBe(200);
  });

  it('refuses an algorithm outside the allow-list (ES512 is not in the default list)', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-521' });
    const jwt = await new SignJWT({ scp: ['vault:tokenize'] })
      .setProtectedHeader({ alg: 'ES512' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setSubject('svc')
      .setExpirationTime(now() + 60)
      .sign(ec.privateKey);
    expect((await vault.http().get('/v1/tokens/02139').set('Authorization', `Bearer ${jwt}`)).status).toBe(401);
  });
});
