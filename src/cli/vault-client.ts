import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

export interface VaultClientOptions {
  readonly baseUrl: string;
  readonly bearer: string;
  /** PEM files: the CA that signed the vault's certificate, and a client certificate for mutual TLS. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** An answer other than 2xx, with the problem+json detail when there is one. */
export class VaultCallFailed extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
    this.name = 'VaultCallFailed';
  }
}

/** A small JSON client of the vault's API for the CLIs: HTTP or HTTPS, with a client certificate if given. */
export class VaultClient {
  private readonly tls: Pick<RequestOptions, 'ca' | 'cert' | 'key'>;

  constructor(private readonly options: VaultClientOptions) {
    this.tls = {
      ...(options.caFile === undefined ? {} : { ca: readFileSync(options.caFile) }),
      ...(options.certFile === undefined ? {} : { cert: readFileSync(options.certFile) }),
      ...(options.keyFile === undefined ? {} : { key: readFileSync(options.keyFile) }),
    };
  }

  async call<T>(method: 'GET' | 'POST', path: string): Promise<{ status: number; body: T }> {
    const url = new URL(path, this.options.baseUrl);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = send(url, { method, headers: { Authorization: `Bearer ${this.options.bearer}`, Accept: 'application/json' }, timeout: 30_000, ...this.tls }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
      req.on('error', (error: NodeJS.ErrnoException) => reject(new Error(`could not reach the vault at ${url.origin}: ${error.code ?? error.message}`)));
      req.end();
    });
    const body = parseJson(text);
    if (status < 200 || status > 299) {
      const problem = body as { title?: unknown; detail?: unknown } | undefined;
      const detail = typeof problem?.detail === 'string' ? problem.detail : `HTTP ${status}`;
      throw new VaultCallFailed(status, typeof problem?.title === 'string' ? `${problem.title}: ${detail}` : detail);
    }
    return { status, body: body as T };
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
