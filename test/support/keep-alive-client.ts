import { Agent, request } from 'node:http';

/**
 * What became of one request, as a client on a keep-alive connection sees it:
 * - answered: a complete response (status line, headers and the whole body) arrived;
 * - refused: not one byte of a response arrived (connection refused, or reset before an answer);
 * - half-answer: a response began and then broke off. A graceful server never produces one.
 */
export type Outcome =
  | { readonly kind: 'answered'; readonly status: number; readonly body: any }
  | { readonly kind: 'refused'; readonly code: string }
  | { readonly kind: 'half-answer'; readonly status: number; readonly reason: string };

/** An agent that keeps connections open between requests, as production clients and load balancers do. */
export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

/** POSTs JSON over `agent` and reports the outcome; never rejects. */
export function postJson(agent: Agent, url: string, headers: Record<string, string>, body: unknown): Promise<Outcome> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    let status: number | null = null;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const call = request(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(payload.length) },
    });
    call.on('error', (error: NodeJS.ErrnoException) => {
      if (status === null) settle({ kind: 'refused', code: error.code ?? error.message });
      else settle({ kind: 'half-answer', status, reason: error.code ?? error.message });
    });
    call.on('response', (response) => {
      status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('aborted', () => settle({ kind: 'half-answer', status: status ?? 0, reason: 'aborted' }));
      response.on('error', (error: NodeJS.ErrnoException) => settle({ kind: 'half-answer', status: status ?? 0, reason: error.code ?? error.message }));
      response.on('end', () => {
        if (!response.complete) return settle({ kind: 'half-answer', status: status ?? 0, reason: 'incomplete body' });
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          settle({ kind: 'answered', status: status ?? 0, body: text === '' ? null : JSON.parse(text) });
        } catch {
          settle({ kind: 'half-answer', status: status ?? 0, reason: 'body is not JSON' });
        }
      });
    });
    call.end(payload);
  });
}
