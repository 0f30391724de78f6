import { TLSSocket } from 'node:tls';

/** The parts of a Fastify (or raw Node) request that lead to its socket. */
interface RequestWithSocket {
  readonly socket?: unknown;
  readonly raw?: { readonly socket?: unknown };
}

/**
 * The subject of the client certificate the TLS handshake verified, one line as OpenSSL prints it
 * ("C=US, O=Clinic, CN=ingest-service"), or null: plain HTTP, TLS without client certificates, or a certificate
 * that did not verify against TLS_CLIENT_CA_FILE (with mutual TLS such a client never gets this far).
 */
export function clientCertificateSubject(request: RequestWithSocket): string | null {
  const socket = request.raw?.socket ?? request.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return null;
  const certificate = socket.getPeerX509Certificate();
  if (certificate === undefined) return null;
  const subject = certificate.subject.split('\n').filter((part) => part !== '').join(', ');
  return subject === '' ? null : subject;
}
