import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** PEM texts of a development PKI: a CA, a localhost server certificate and one client certificate. */
export interface DevCertificates {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

export interface DevCertificateOptions {
  /** The client certificate's common name (the subject recorded in audit events). */
  readonly clientName?: string;
  readonly validDays?: number;
}

const ORGANIZATION = 'phi-vault development';
const DAY_MS = 86_400_000;

interface KeyPair {
  readonly privatePem: string;
  readonly forgePrivate: forge.pki.rsa.PrivateKey;
  readonly forgePublic: forge.pki.rsa.PublicKey;
}

/**
 * Creates, with node-forge, a throwaway PKI for trying HTTPS and mutual TLS on one machine. RSA keys come
 * from node:crypto (native, fast); forge builds and signs the certificates (SHA-256). The CA may sign
 * certificates only (pathlen 0); the server certificate names localhost and 127.0.0.1 (serverAuth); the
 * client certificate is for clientAuth only. Development only: the CA key sits in a file next to them.
 */
export function createDevCertificates(options: DevCertificateOptions = {}): DevCertificates {
  const clientName = options.clientName ?? 'dev-client';
  const validDays = options.validDays ?? 365;
  const ca = rsaKeyPair();
  const server = rsaKeyPair();
  const client = rsaKeyPair();

  const caSubject = [{ name: 'organizationName', value: ORGANIZATION }, { name: 'commonName', value: 'phi-vault development CA' }];
  const caCert = baseCertificate(ca.forgePublic, caSubject, caSubject, validDays);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.forgePrivate, forge.md.sha256.create());
  const caKeyId = caCert.generateSubjectKeyIdentifier().getBytes();

  const serverCert = baseCertificate(server.forgePublic, [{ name: 'organizationName', value: ORGANIZATION }, { name: 'commonName', value: 'localhost' }], caSubject, validDays);
  serverCert.setExtensions([
    ...leafExtensions(caKeyId),
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
  ]);
  serverCert.sign(ca.forgePrivate, forge.md.sha256.create());

  const clientCert = baseCertificate(client.forgePublic, [{ name: 'organizationName', value: ORGANIZATION }, { name: 'commonName', value: clientName }], caSubject, validDays);
  clientCert.setExtensions([...leafExtensions(caKeyId), { name: 'extKeyUsage', clientAuth: true }]);
  clientCert.sign(ca.forgePrivate, forge.md.sha256.create());

  return {
    caCert: forge.pki.certificateToPem(caCert),
    caKey: ca.privatePem,
    serverCert: forge.pki.certificateToPem(serverCert),
    serverKey: server.privatePem,
    clientCert: forge.pki.certificateToPem(clientCert),
    clientKey: client.privatePem,
  };
}

function rsaKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    privatePem,
    forgePrivate: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey,
  };
}

function baseCertificate(publicKey: forge.pki.rsa.PublicKey, subject: forge.pki.CertificateField[], issuer: forge.pki.CertificateField[], validDays: number): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = publicKey;
  // A random positive serial whose first byte is 0x40-0x7f: minimal DER, no sign byte (RFC 5280 section 4.1.2.2).
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x3f) | 0x40;
  certificate.serialNumber = serial.toString('hex');
  const now = Date.now();
  certificate.validity.notBefore = new Date(now - 60_000); // a minute of slack for clock skew
  certificate.validity.notAfter = new Date(now + validDays * DAY_MS);
  certificate.setSubject(subject);
  certificate.setIssuer(issuer);
  return certificate;
}

function leafExtensions(caKeyId: string): object[] {
  return [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyId },
  ];
}
