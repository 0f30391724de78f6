import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenKey } from '../../src/formats/token-key.js';
import { withSql } from '../support/db-inspect.js';
import { createSigner, type Signer } from '../support/jwt.js';
import { keepAliveAgent, postJson, type Outcome } from '../support/keep-alive-client.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testVaultEnv } from '../support/vault-env.js';
import { spawnVaultProcess, type VaultProcess } from '../support/vault-process.js';

const TOKENIZE_CLIENTS = 8;
const DETOKENIZE_CLIENTS = 8;
/** Answers to collect before SIGTERM, so the signal lands in a steady load rather than at its start. */
const ANSWERS_BEFORE_SIGNAL = 120;
/** Socket-level failures: the request got no byte of an answer (the listener is gone, or the idle connection was closed). */
const SOCKET_LEVEL = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

interface Sent {
  readonly kind: 'tokenize' | 'detokenize';
  /** Sent after SIGTERM. */
  readonly afterSignal: boolean;
  /** Settled after SIGTERM. */
  readonly settledAfterSignal: boolean;
  readonly outcome: Outcome;
}

const randomSsn = () => `${randomInt(100, 666)}-${String(randomInt(1, 100)).padStart(2, '0')}-${String(randomInt(1, 10_000)).padStart(4, '0')}`;

/**
 * SIGTERM under a steady keep-alive load of tokenize and detokenize calls (issue 5 item 3): in-flight and
 * arriving requests finish against an open database, pending audit batches are written, the process exits 0.
 */
describe('graceful shutdown of the built server under load', () => {
  let database: TestDatabase;
  let signer: Signer;
  let env: Record<string, string>;
  let vault: VaultProcess;
  let auth: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    signer = createSigner();
    env = testVaultEnv(database, signer);
    vault = await spawnVaultProcess(env);
    auth = `Bearer ${await signer.mint({ sub: 'shutdown-load', roles: ['service'], scope: 'vault:tokenize vault:detokenize audit:read' }, { expiresInSeconds: 600 })}`;
  });
  afterAll(async () => {
    await vault?.stop();
    await database?.drop();
  });

  it('answers every request it accepted with 200, then exits 0 with every write and audit event committed', async () => {
    const agent = keepAliveAgent(TOKENIZE_CLIENTS + DETOKENIZE_CLIENTS);
    const headers = { Authorization: auth };
    const seeded = await postJson(agent, `${vault.url}/v1/tokenize`, headers, { items: Array.from({ length: 20 }, () => ({ type: 'ssn', value: randomSsn() })) });
    expect(seeded.kind === 'answered' && seeded.status).toBe(200);
    const seedTokens = (seeded as { body: { items: { token: string }[] } }).body.items.map((item) => item.token);

    const sent: Sent[] = [];
    let signalled = false;
    let reachedSteadyLoad!: () => void;
    const steadyLoad = new Promise<void>((resolve) => (reachedSteadyLoad = resolve));
    const client = async (kind: Sent['kind']) => {
      for (;;) {
        const afterSignal = signalled;
        const outcome =
          kind === 'tokenize'
            ? await postJson(agent, `${vault.url}/v1/tokenize`, headers, { items: [{ type: 'ssn', value: randomSsn() }, { type: 'name', value: 'Ada Lovelace' }] })
            : await postJson(agent, `${vault.url}/v1/detokenize`, headers, {
                tokens: [seedTokens[randomInt(seedTokens.length)]],
                purpose: 'treatment',
                justification: 'Graceful shutdown under load',
              });
        sent.push({ kind, afterSignal, settledAfterSignal: signalled, outcome });
        if (sent.length >= ANSWERS_BEFORE_SIGNAL) reachedSteadyLoad();
        // Once nothing listens any more there is nothing left to learn; until then keep the load steady.
        if (outcome.kind === 'refused' && (outcome.code === 'ECONNREFUSED' || vault.child.exitCode !== null)) return;
        if (outcome.kind === 'half-answer') return;
      }
    };
    const clients = [
      ...Array.from({ length: TOKENIZE_CLIENTS }, () => client('tokenize')),
      ...Array.from({ length: DETOKENIZE_CLIENTS }, () => client('detokenize')),
    ];
    await steadyLoad;
    signalled = true;
    vault.child.kill('SIGTERM');
    const exitCode = await vault.exited;
    await Promise.all(clients);
    agent.destroy();

    expect(exitCode, vault.output.join('')).toBe(0);
    const answered = sent.flatMap((request) => (request.outcome.kind === 'answered' ? [{ ...request, outcome: request.outcome }] : []));
    const notOk = sent.filter((request) => request.outcome.kind !== 'refused' && !(request.outcome.kind === 'answered' && request.outcome.status === 200));
    expect(notOk.map((request) => request.outcome)).toEqual([]);
    const refusalCodes = new Set(sent.flatMap((request) => (request.outcome.kind === 'refused' ? [request.outcome.code] : [])));
    expect([...refusalCodes].filter((code) => !SOCKET_LEVEL.has(code))).toEqual([]);
    // The signal did land mid-load: requests in flight when it came were answered after it, and later ones were refused.
    expect(answered.filter((request) => !request.afterSignal && request.settledAfterSignal).length).toBeGreaterThan(0);
    expect(sent.filter((request) => request.afterSignal && request.outcome.kind === 'refused').length).toBeGreaterThan(0);
    expect(answered.filter((request) => request.kind === 'tokenize').length).toBeGreaterThan(0);
    expect(answered.filter((request) => request.kind === 'detokenize').length).toBeGreaterThan(0);

    const issued = answered.filter((request) => request.kind === 'tokenize').flatMap((request) => request.outcome.body.items.map((item: { token: string }) => item.token as string));
    const auditIds = answered.filter((request) => request.kind === 'detokenize').map((request) => request.outcome.body.auditId as string);
    const stored = await withSql(database.url, async (query) => ({
      tokenKeys: new Set((await query<{ token_key: string }>('SELECT token_key FROM tokens')).map((row) => row.token_key)),
      auditedTokens: new Set((await query<{ token: string }>(`SELECT unnest(tokens) AS token FROM audit_events WHERE action = 'tokenize'`)).map((row) => row.token)),
      auditIds: new Set((await query<{ id: string }>(`SELECT id::text AS id FROM audit_events WHERE action = 'detokenize'`)).map((row) => row.id)),
      events: Number((await query<{ n: string }>('SELECT count(*) AS n FROM audit_events'))[0].n),
    }));
    expect(issued.filter((token) => !stored.tokenKeys.has(tokenKey(token)))).toEqual([]);
    expect(issued.filter((token) => !stored.auditedTokens.has(token))).toEqual([]);
    expect(auditIds.filter((id) => !stored.auditIds.has(id))).toEqual([]);

    vault = await spawnVaultProcess(env);
    const verify = await fetch(`${vault.url}/v1/audit/verify`, { headers });
    expect(verify.status).toBe(200);
    expect(await verify.json()).toMatchObject({ valid: true, events: stored.events });
    expect(await vault.stop()).toBe(0);
  }, 120_000);
});
