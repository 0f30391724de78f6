import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestVault } from './vault.js';

export interface TlsRequestOptions {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly servername?: string;
}

/** One HTTPS request with the given trust and client certificate; rejects on any TLS or connection error. */
export function httpsJson(url: string, options: TlsRequestOptions = {}): Promise<{ status: number; body: any; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: { ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }), ...options.headers },
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        servername: options.servername,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const protocol = 'getProtocol' in res.socket ? (res.socket as import('node:tls').TLSSocket).getProtocol() : null;
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text), protocol });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Listens on a free loopback port (in-process vaults are not listening by default) and returns its https URL. */
export async function listenHttps(vault: TestVault): Promise<string> {
  await vault.app.listen(0, '127.0.0.1');
  const { port } = vault.app.getHttpServer().address() as AddressInfo;
  return `https://127.0.0.1:${port}`;
}
