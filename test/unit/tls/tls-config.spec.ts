import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';
import { createDevCertificates, type DevCertificates } from '../../../src/tls/dev-certificates.js';

const dir = mkdtempSync(join(tmpdir(), 'phi-vault-tls-config-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return name; // relative: resolved against the working directory given to loadConfig
};

const base = {
  DATABASE_URL: 'postgresql://vault@db.internal:5432/phi_vault',
  REDIS_URL: 'redis://cache.internal:6379',
  VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
  AUTH_ISSUER: 'https://idp.example.org',
  AUTH_AUDIENCE: 'phi-vault',
  AUTH_PUBLIC_KEY_FILE: file('jwt.pem', '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n'),
};

function problemsOf(overrides: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...overrides }, dir);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('TLS configuration', () => {
  let pki: DevCertificates;
  let other: DevCertificates;
  beforeAll(() => {
    pki = createDevCertificates();
    other = createDevCertificates();
    file('server.pem', pki.serverCert);
    file('server-key.pem', pki.serverKey);
    file('ca.pem', pki.caCert);
    file('other-key.pem', other.serverKey);
    file('garbage.pem', 'not a certificate');
  });

  it('is off by default: plain HTTP', () => {
    expect(loadConfig(base, dir).tls).toBeNull();
  });

  it('serves HTTPS with a certificate and its key, and asks for client certificates with a client CA', () => {
    expect(loadConfig({ ...base, TLS_CERT_FILE: 'server.pem', TLS_KEY_FILE: 'server-key.pem' }, dir).tls).toEqual({
      certFile: join(dir, 'server.pem'),
      keyFile: join(dir, 'server-key.pem'),
      clientCaFile: null,
    });
    expect(loadConfig({ ...base, TLS_CERT_FILE: 'server.pem', TLS_KEY_FILE: 'server-key.pem', TLS_CLIENT_CA_FILE: 'ca.pem' }, dir).tls?.clientCaFile).toBe(join(dir, 'ca.pem'));
  });

  it.each([
    [{ TLS_CERT_FILE: 'server.pem' }, 'TLS_CERT_FILE and TLS_KEY_FILE: set both (HTTPS) or neither (HTTP)'],
    [{ TLS_KEY_FILE: 'server-key.pem' }, 'TLS_CERT_FILE and TLS_KEY_FILE: set both (HTTPS) or neither (HTTP)'],
    [{ TLS_CLIENT_CA_FILE: 'ca.pem' }, 'TLS_CLIENT_CA_FILE: needs TLS_CERT_FILE and TLS_KEY_FILE (client certificates are asked for over HTTPS only)'],
    [{ TLS_CERT_FILE: 'missing.pem', TLS_KEY_FILE: 'server-key.pem' }, 'TLS_CERT_FILE: no such file'],
    [{ TLS_CERT_FILE: 'garbage.pem', TLS_KEY_FILE: 'server-key.pem' }, 'TLS_CERT_FILE: must hold PEM certificates (-----BEGIN CERTIFICATE-----)'],
    [{ TLS_CERT_FILE: 'server.pem', TLS_KEY_FILE: 'garbage.pem' }, 'TLS_KEY_FILE: must hold an unencrypted PEM private key'],
    [{ TLS_CERT_FILE: 'server.pem', TLS_KEY_FILE: 'other-key.pem' }, 'TLS_KEY_FILE: is not the private key of the certificate in TLS_CERT_FILE'],
    [{ TLS_CERT_FILE: 'server.pem', TLS_KEY_FILE: 'server-key.pem', TLS_CLIENT_CA_FILE: 'garbage.pem' }, 'TLS_CLIENT_CA_FILE: must hold PEM certificates (-----BEGIN CERTIFICATE-----)'],
  ])('refuses %o with one line naming the variable', (overrides, expected) => {
    expect(problemsOf(overrides)).toEqual([expected]);
  });

  it('never quotes a key file in its messages', () => {
    const problems = problemsOf({ TLS_CERT_FILE: 'server-key.pem', TLS_KEY_FILE: 'server-key.pem' });
    expect(problems).toEqual(['TLS_CERT_FILE: must hold PEM certificates (-----BEGIN CERTIFICATE-----)']);
    expect(problems.join('\n')).not.toContain(pki.serverKey.split('\n')[1]);
  });
});
