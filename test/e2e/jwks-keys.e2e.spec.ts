import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUDIENCE, TEST_ISSUER } from '../support/jwt.js';
import { startTestVault, type TestVault } from '../support/vault.js';

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** A JWT as the identity provider issues it: signed by `key`, labelled with `kid`; a fresh jti, so no verified-token cache hides a key change. */
function mint(key: SigningKey, kid = key.kid, scope = 'vault:tokenize vault:detokenize'): Promise<string> {
  return new SignJWT({ scope, roles: ['service'], jti: randomUUID() })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
    .setIssuer(TEST_ISSUER)
    .setAudience(TEST_AUDIENCE)
    .setSubject('jwks-svc')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

/** The identity provider's JWKS endpoint: a local HTTP server whose key set and health the test controls. */
class JwksEndpoint {
  keys: SigningKey[] = [];
  mode: 'ok' | 'error' | 'garbage' = 'ok';
  fetches = 0;
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/protocol/openid-connect/certs`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((_request, response) => {
      this.fetches += 1;
      if (this.mode === 'error') response.writeHead(500).end('internal error');
      else if (this.mode === 'garbage') response.writeHead(200, { 'content-type': 'application/json' }).end('<html>not a key set</html>');
      else response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: this.keys.map((key) => key.jwk) }));
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function jwksEnv(endpoint: JwksEndpoint, extra: Record<string, string>): Record<string, string> {
  // AUTH_PUBLIC_KEY_FILE empty counts as unset: the JWKS endpoint is the only key source.
  return { AUTH_PUBLIC_KEY_FILE: '', AUTH_JWKS_URL: endpoint.url, ...extra };
}

describe('AUTH_JWKS_URL: keys from a JWKS endpoint, refetched for an unknown kid', () => {
  const idp = new JwksEndpoint();
  let vault: TestVault;
  let a: SigningKey;
  let b: SigningKey;
  beforeAll(async () => {
    [a, b] = await Promise.all([signingKey('key-a'), signingKey('key-b')]);
    idp.keys = [a, b];
    await idp.start();
    // Cache for the default 10 minutes; refetch on an unknown kid without a cooldown, so the test need not wait.
    vault = await startTestVault({ env: jwksEnv(idp, { AUTH_JWKS_COOLDOWN_SECONDS: '0' }) });
  });
  afterAll(async () => {
    await vault?.close();
    await idp.stop();
  });

  const probe = async (jwt: string) => (await vault.http().get('/v1/tokens/000-00-0000').set('Authorization', `Bearer ${jwt}`)).status;

  it('selects the key by kid; a token labelled with another key\'s kid fails', async () => {
    expect(await probe(await mint(a))).toBe(404); // authenticated, authorized; the token simply does not exist
    expect(await probe(await mint(b))).toBe(404);
    expect(await probe(await mint(a, 'key-b'))).toBe(401);
    expect(await probe(await mint(b, 'key-a'))).toBe(401);
    expect(idp.fetches).toBe(1); // one fetch serves every known kid while the set is fresh
  });

  it('picks up a key added at the identity provider on the first token that uses its kid', async () => {
    const c = await signingKey('key-c');
    expect(await probe(await mint(c))).toBe(401); // not published yet (this refetched once, and still found nothing)
    idp.keys = [a, b, c];
    const before = idp.fetches;
    expect(await probe(await mint(c))).toBe(404);
    expect(idp.fetches).toBe(before + 1);
    expect(await probe(await mint(c))).toBe(404);
    expect(idp.fetches).toBe(before + 1); // cached again
  });

  it('stops accepting a removed key once the set is refreshed', async () => {
    idp.keys = idp.keys.filter((key) => key !== a);
    expect(await probe(await mint(a))).toBe(404); // the cached set still has it: removal takes effect at the next fetch
    const stranger = await signingKey('key-unknown');
    expect(await probe(await mint(stranger))).toBe(401); // an unknown kid refreshes the set
    const refused = await vault.http().get('/v1/tokens/000-00-0000').set('Authorization', `Bearer ${await mint(a)}`);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: 'unauthenticated' });
    expect(await probe(await mint(b))).toBe(404);
  });
});

describe('AUTH_JWKS_URL: cache expiry and an unreachable identity provider', () => {
  const idp = new JwksEndpoint();
  const VALUE = '219-09-9999';
  let vault: TestVault;
  let a: SigningKey;
  let b: SigningKey;
  let token: string;
  beforeAll(async () => {
    [a, b] = await Promise.all([signingKey('key-a'), signingKey('key-b')]);
    idp.keys = [a];
    await idp.start();
    vault = await startTestVault({ env: jwksEnv(idp, { AUTH_JWKS_CACHE_SECONDS: '1', AUTH_JWKS_COOLDOWN_SECONDS: '0' }) });
    const tokenized = await vault.http().post('/v1/tokenize').set('Authorization', `Bearer ${await mint(a)}`).send({ items: [{ type: 'ssn', value: VALUE }] });
    expect(tokenized.status).toBe(200);
    token = tokenized.body.items[0].token;
  });
  afterAll(async () => {
    await vault?.close();
    await idp.stop();
  });

  const detokenize = async (signer: SigningKey) =>
    vault
      .http()
      .post('/v1/detokenize')
      .set('Authorization', `Bearer ${await mint(signer)}`)
      .send({ tokens: [token], purpose: 'treatment', justification: 'Checking the JWKS refusal path' });

  it('a removed key stops working when the cached set expires, without any unknown kid', async () => {
    expect((await detokenize(a)).status).toBe(200);
    idp.keys = [b];
    await sleep(1_100); // past AUTH_JWKS_CACHE_SECONDS
    expect((await detokenize(a)).status).toBe(401);
    expect((await detokenize(b)).status).toBe(200);
  });

  /** Refused without revealing anything: not the value, not where the keys live, not why the fetch failed. */
  async function expectRefusedAndNothingRevealed() {
    const response = await detokenize(b);
    // Not the caller's fault: 503 with Retry-After (fail closed), not a 401 that tells a client to re-authenticate.
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('service_unavailable');
    expect(response.headers['retry-after']).toBeDefined();
    expect(response.text).not.toContain(VALUE);
    expect(response.text).not.toContain(VALUE.replaceAll('-', ''));
    expect(response.text).not.toContain(String(idp.port));
    expect(response.text).not.toMatch(/127\.0\.0\.1|openid|certs|ECONNREFUSED|fetch|500|html|JSON/i);
    expect(response.body).not.toHaveProperty('items');
  }

  it('refuses every token while the endpoint answers 500, serves garbage or is unreachable, and recovers by itself', async () => {
    const logsBefore = vault.logs.length;
    idp.mode = 'error';
    await sleep(1_100);
    await expectRefusedAndNothingRevealed();
    idp.mode = 'garbage';
    await expectRefusedAndNothingRevealed();
    const port = idp.port;
    await idp.stop();
    await expectRefusedAndNothingRevealed();
    await expectRefusedAndNothingRevealed();

    idp.mode = 'ok';
    await idp.start(port);
    const recovered = await detokenize(b);
    expect(recovered.status).toBe(200);
    expect(recovered.body.items[0]).toMatchObject({ reveal: 'plain', value: VALUE });

    const logs = vault.logs.slice(logsBefore).map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(logs.filter((line) => line.msg.startsWith('JWKS endpoint unavailable'))).toHaveLength(1); // once per outage, not per request
    expect(logs.filter((line) => line.msg === 'JWKS endpoint available again')).toHaveLength(1);
    expect(vault.logs.slice(logsBefore).join('')).not.toContain(VALUE);
  });
});
