import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where the vault's TLS material lives. null in VaultConfig: plain HTTP (behind a TLS-terminating proxy). */
export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** Set: mutual TLS, every client must present a certificate issued by one of these CAs. */
  readonly clientCaFile: string | null;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * TLS_CERT_FILE + TLS_KEY_FILE (both or neither) and TLS_CLIENT_CA_FILE (needs both). Each file must exist and
 * parse, and the key must belong to the certificate, so a mistake stops the start with one line naming the
 * variable instead of a handshake failure later. Messages never quote file contents.
 */
export function parseTlsConfig(problems: string[], text: (name: string) => string | undefined, cwd: string): TlsConfig | null {
  const certFile = text('TLS_CERT_FILE');
  const keyFile = text('TLS_KEY_FILE');
  const clientCaFile = text('TLS_CLIENT_CA_FILE');
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile !== undefined) problems.push('TLS_CLIENT_CA_FILE: needs TLS_CERT_FILE and TLS_KEY_FILE (client certificates are asked for over HTTPS only)');
    return null;
  }
  if (certFile === undefined || keyFile === undefined) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE: set both (HTTPS) or neither (HTTP)');
    return null;
  }
  const before = problems.length;
  const certificate = readCertificates(problems, 'TLS_CERT_FILE', resolve(cwd, certFile))?.[0];
  const key = readPrivateKey(problems, 'TLS_KEY_FILE', resolve(cwd, keyFile));
  if (certificate !== undefined && key !== undefined && !certificate.checkPrivateKey(key)) {
    problems.push('TLS_KEY_FILE: is not the private key of the certificate in TLS_CERT_FILE');
  }
  if (clientCaFile !== undefined) readCertificates(problems, 'TLS_CLIENT_CA_FILE', resolve(cwd, clientCaFile));
  if (problems.length > before) return null;
  return { certFile: resolve(cwd, certFile), keyFile: resolve(cwd, keyFile), clientCaFile: clientCaFile === undefined ? null : resolve(cwd, clientCaFile) };
}

function readText(problems: string[], name: string, file: string): string | undefined {
  if (!existsSync(file)) {
    problems.push(`${name}: no such file`);
    return undefined;
  }
  try {
    return readFileSync(file, 'utf8');
  } catch {
    problems.push(`${name}: cannot be read (check its permissions)`);
    return undefined;
  }
}

function readCertificates(problems: string[], name: string, file: string): X509Certificate[] | undefined {
  const pem = readText(problems, name, file);
  if (pem === undefined) return undefined;
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  try {
    if (blocks.length === 0) throw new Error('no certificate');
    return blocks.map((block) => new X509Certificate(block));
  } catch {
    problems.push(`${name}: must hold PEM certificates (-----BEGIN CERTIFICATE-----)`);
    return undefined;
  }
}

function readPrivateKey(problems: string[], name: string, file: string): KeyObject | undefined {
  const pem = readText(problems, name, file);
  if (pem === undefined) return undefined;
  try {
    return createPrivateKey(pem);
  } catch {
    problems.push(`${name}: must hold an unencrypted PEM private key`);
    return undefined;
  }
}
