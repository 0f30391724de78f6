import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevCertificates, type DevCertificates } from '../../src/tls/dev-certificates.js';
import { withSql } from '../support/db-inspect.js';
import { createSigner } from '../support/jwt.js';
import { httpsJson, listenHttps } from '../support/tls-request.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const pki = createDevCertificates();
const stranger = createDevCertificates({ clientName: 'dev-client' }); // same name, another CA
const dir = mkdtempSync(join(tmpdir(), 'phi-vault-tls-'));
const files = Object.fromEntries(
  (['caCert', 'serverCert', 'serverKey'] as const).map((name) => {
    writeFileSync(join(dir, `${name}.pem`), pki[name], { mode: 0o600 });
    return [name, join(dir, `${name}.pem`)];
  }),
) as Record<'caCert' | 'serverCert' | 'serverKey', string>;
const signer = createSigner(); // vaults alive in one test process share a signer
const asClient = (certificates: DevCertificates) => ({ ca: pki.caCert, cert: certificates.clientCert, key: certificates.clientKey });

describe('HTTPS (TLS_CERT_FILE, TLS_KEY_FILE)', () => {
  let vault: TestVault;
  let url: string;
  beforeAll(async () => {
    vault = await startTestVault({ signer, env: { TLS_CERT_FILE: files.serverCert, TLS_KEY_FILE: files.serverKey } });
    url = await listenHttps(vault);
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('serves the API over TLS 1.2 or later with the generated certificate, for localhost and 127.0.0.1', async () => {
    const live = await httpsJson(`${url}/health/live`, { ca: pki.caCert });
    expect(live.status).toBe(200);
    expect(live.protocol).toMatch(/^TLSv1\.[23]$/);
    expect((await httpsJson(`${url}/health/live`, { ca: pki.caCert, servername: 'localhost' })).status).toBe(200);
  });

  it('a client that does not trust the development CA refuses the connection', async () => {
    await expect(httpsJson(`${url}/health/live`)).rejects.toThrow(/unable to verify the first certificate|self-signed certificate in certificate chain/);
  });

  it('asks for no client certificate: the principal has no certificate subject', async () => {
    const auth = `Bearer ${await signer.mint({ sub: 'key-officer', roles: ['admin'], scope: 'vault:admin' })}`;
    const rotated = await httpsJson(`${url}/v1/admin/keys/rotate`, { method: 'POST', ca: pki.caCert, headers: { Authorization: auth } });
    expect(rotated).toMatchObject({ status: 200, body: { version: 2 } });
    const [event] = await withSql(vault.database.url, (query) => query<{ details: Record<string, unknown> }>("SELECT details FROM audit_events WHERE action = 'rotate'"));
    expect(event.details.clientCertSubject).toBeUndefined();
  });
});

describe('mutual TLS (TLS_CLIENT_CA_FILE)', () => {
  let vault: TestVault;
  let url: string;
  beforeAll(async () => {
    vault = await startTestVault({ signer, env: { TLS_CERT_FILE: files.serverCert, TLS_KEY_FILE: files.serverKey, TLS_CLIENT_CA_FILE: files.caCert } });
    url = await listenHttps(vault);
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('refuses, in the TLS handshake, a client without a certificate: no HTTP answer at all, not even for health', async () => {
    await expect(httpsJson(`${url}/health/live`, { ca: pki.caCert })).rejects.toThrow(/alert certificate required/);
  });

  it('refuses a client certificate issued by another CA, whatever its name', async () => {
    await expect(httpsJson(`${url}/health/live`, asClient(stranger))).rejects.toThrow(/unknown ca|socket hang up/);
  });

  it('serves a client presenting the generated certificate', async () => {
    expect((await httpsJson(`${url}/health/live`, asClient(pki))).status).toBe(200);
  });

  it('still requires a bearer token over mutual TLS: the certificate identifies the connection, not the caller', async () => {
    const anonymous = await httpsJson(`${url}/v1/admin/keys`, asClient(pki));
    expect(anonymous.status).toBe(401);
  });

  it("records the client certificate's subject with the caller in the audit event", async () => {
    const auth = `Bearer ${await signer.mint({ sub: 'key-officer', roles: ['admin'], scope: 'vault:admin', client_id: 'ops-console' })}`;
    const rotated = await httpsJson(`${url}/v1/admin/keys/rotate`, { ...asClient(pki), method: 'POST', headers: { Authorization: auth } });
    expect(rotated).toMatchObject({ status: 200, body: { version: 2 } });
    const events = await withSql(vault.database.url, (query) =>
      query<{ actor_sub: string; actor_client_id: string; details: Record<string, unknown> }>("SELECT actor_sub, actor_client_id, details FROM audit_events WHERE action = 'rotate'"),
    );
    expect(events).toEqual([
      expect.objectContaining({ actor_sub: 'key-officer', actor_client_id: 'ops-console', details: expect.objectContaining({ clientCertSubject: 'O=phi-vault development, CN=dev-client' }) }),
    ]);
  });

  it('records the client certificate subject on every event, tokenize and detokenize (allowed or refused) included', async () => {
    const auth = `Bearer ${await signer.mint({ sub: 'ingest-svc', roles: ['service'], scope: 'vault:tokenize vault:detokenize' })}`;
    const call = (path: string, body: unknown) => httpsJson(`${url}${path}`, { ...asClient(pki), method: 'POST', headers: { Authorization: auth }, body });
    const tokenized = await call('/v1/tokenize', { items: [{ type: 'ssn', value: '219-09-9999' }] });
    expect(tokenized.status).toBe(200);
    const token = tokenized.body.items[0].token as string;
    expect((await call('/v1/detokenize', { tokens: [token], purpose: 'treatment', justification: 'Medication reconciliation' })).status).toBe(200);
    // Refused before any lookup (break-glass without its scope), and still recorded, as denied.
    expect((await call('/v1/detokenize', { tokens: [token], purpose: 'emergency', justification: 'Unconscious patient in the emergency room', breakGlass: true })).status).toBe(403);
    const events = await withSql(vault.database.url, (query) =>
      query<{ action: string; outcome: string; details: Record<string, unknown> }>("SELECT action, outcome, details FROM audit_events WHERE actor_sub = 'ingest-svc' ORDER BY seq"),
    );
    expect(events.map((event) => [event.action, event.outcome])).toEqual([
      ['tokenize', 'allowed'],
      ['detokenize', 'allowed'],
      ['detokenize', 'denied'],
    ]);
    for (const event of events) expect(event.details.clientCertSubject).toBe('O=phi-vault development, CN=dev-client');
  });
});
