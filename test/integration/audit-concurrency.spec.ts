import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSql } from '../support/db-inspect.js';
import { spawnVaultProcess, type VaultProcess } from '../support/vault-process.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const TOTAL = 5000;
const WORKERS_PER_PROCESS = 24;

/**
 * Two vault processes on one database append 5,000 events at once: detokenize calls (group-committed by
 * each process) mixed with tokenize calls (whose event joins the tokenize transaction). The chain must come
 * out linear: exactly the right count, contiguous seqs, every link valid.
 */
describe('audit chain under two concurrent vault processes', () => {
  let vault: TestVault;
  let other: VaultProcess;
  let urls: string[];
  let service: string;
  let token: string;

  beforeAll(async () => {
    vault = await startTestVault({ env: { DATABASE_POOL_SIZE: '8' } });
    await vault.app.listen(0, '127.0.0.1');
    other = await spawnVaultProcess({ ...vault.env });
    urls = [(await vault.app.getUrl()).replace('[::1]', '127.0.0.1'), other.url];
    service = await vault.bearer('svc-load', ['service'], ['vault:tokenize', 'vault:detokenize']);
    const response = await post(urls[0], '/v1/tokenize', { items: [{ type: 'ssn', value: '123-45-6789' }] });
    expect(response.status).toBe(200);
    token = ((await response.json()) as { items: { token: string }[] }).items[0].token;
  });
  afterAll(async () => {
    await other?.stop();
    await vault?.close();
  });

  function post(base: string, path: string, body: unknown): Promise<Response> {
    return fetch(`${base}${path}`, { method: 'POST', headers: { authorization: service, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  /** The n-th request of the run: one in ten is a tokenize, the rest detokenize. */
  function request(base: string, n: number): Promise<Response> {
    if (n % 10 === 0) return post(base, '/v1/tokenize', { mode: 'random', items: [{ type: 'text', value: `load note ${n}` }] });
    return post(base, '/v1/detokenize', { tokens: [token], purpose: 'operations', justification: `load request ${n}` });
  }

  it(`appends ${TOTAL} events from both processes into one valid, gapless chain`, { timeout: 180_000 }, async () => {
    let next = 0;
    const statuses = new Map<number, number>();
    const worker = async (base: string) => {
      for (let n = next++; n < TOTAL; n = next++) {
        const response = await request(base, n);
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    };
    await Promise.all(urls.flatMap((base) => Array.from({ length: WORKERS_PER_PROCESS }, () => worker(base))));
    expect(Object.fromEntries(statuses)).toEqual({ 200: TOTAL });

    const auditor = await vault.bearer('compliance', ['compliance'], ['audit:read']);
    const verified = await fetch(`${urls[1]}/v1/audit/verify`, { headers: { authorization: auditor } });
    expect(await verified.json()).toEqual({ valid: true, events: TOTAL + 1, head: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const [shape] = await withSql(vault.database.url, (query) =>
      query<{ n: string; first: string; last: string; batches: string }>(
        'SELECT count(*) AS n, min(seq) AS first, max(seq) AS last, count(DISTINCT at) AS batches FROM audit_events',
      ),
    );
    expect({ n: Number(shape.n), first: Number(shape.first), last: Number(shape.last) }).toEqual({ n: TOTAL + 1, first: 1, last: TOTAL + 1 });
    // Events of one batch share its timestamp: fewer distinct timestamps than events means appends were grouped.
    expect(Number(shape.batches)).toBeLessThan(TOTAL);
  });
});
