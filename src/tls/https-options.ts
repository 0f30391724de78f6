import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { TlsConfig } from './tls-config.js';

/**
 * The HTTPS server options for a validated TlsConfig (the files were checked at start-up). TLS 1.2 at least.
 * With a client CA, every connection must present a certificate that verifies against it, or the handshake
 * fails before any HTTP is exchanged (deny by default: no route can opt out).
 */
export function httpsOptionsOf(tls: TlsConfig): TlsOptions & SecureContextOptions {
  const options: TlsOptions & SecureContextOptions = {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    minVersion: 'TLSv1.2',
  };
  if (tls.clientCaFile === null) return options;
  return { ...options, ca: readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: true };
}
