import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDevCertificates } from '../../../src/tls/dev-certificates.js';

describe('development certificates (node-forge)', () => {
  const pki = createDevCertificates({ clientName: 'ward-7-kiosk' });
  const ca = new X509Certificate(pki.caCert);
  const server = new X509Certificate(pki.serverCert);
  const client = new X509Certificate(pki.clientCert);

  it('a CA that signed both leaf certificates, each matching its own key', () => {
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    for (const leaf of [server, client]) {
      expect(leaf.ca).toBe(false);
      expect(leaf.checkIssued(ca)).toBe(true);
      expect(leaf.verify(ca.publicKey)).toBe(true);
    }
    expect(server.checkPrivateKey(createPrivateKey(pki.serverKey))).toBe(true);
    expect(client.checkPrivateKey(createPrivateKey(pki.clientKey))).toBe(true);
    expect(ca.checkPrivateKey(createPrivateKey(pki.caKey))).toBe(true);
  });

  it('the server certificate names localhost and the loopback addresses', () => {
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('vault.example.org')).toBeUndefined();
    expect(server.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
  });

  it('the client certificate carries the given name and is for client authentication only', () => {
    expect(client.subject).toBe('O=phi-vault development\nCN=ward-7-kiosk');
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('serial numbers differ and are positive; keys are unencrypted PKCS#8', () => {
    const again = createDevCertificates();
    expect(new X509Certificate(again.caCert).serialNumber).not.toBe(ca.serialNumber);
    expect(Number.parseInt(server.serialNumber.slice(0, 2), 16)).toBeLessThan(0x80);
    expect(pki.serverKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });
});
