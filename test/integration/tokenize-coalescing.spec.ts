import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const CALLS = 100;
const ssn = (n: number) => `${100 + n}-44-${1000 + n}`; // distinct, well-formed SSNs for n < 800

/** Insert coalescing (issue 5 item 4): concurrent small tokenize calls share transactions, and still fail alone. */
describe('tokenize calls sharing transactions', () => {
  let vault: TestVault;
  let caller: string;
  beforeAll(async () => {
    vault = await startTestVault();
    caller = await vault.bearer('coalesce', ['service'], ['vault:tokenize', 'vault:detokenize']);
  });
  afterAll(async () => {
    await vault?.close();
  });

  const tokenize = (auth: string, value: string, extra: object = {}) =>
    vault.http().post('/v1/tokenize').set('Authorization', auth).send({ items: [{ type: 'ssn', value, ...extra }] });
  const detokenize = (tokens: string[]) =>
    vault.http().post('/v1/detokenize').set('Authorization', caller).send({ tokens, purpose: 'operations', justification: 'Checking coalesced writes' });

  it('commits concurrent calls in shared transactions, each with its own audit event and its own token', async () => {
    const responses = await Promise.all(Array.from({ length: CALLS }, (_, n) => tokenize(caller, ssn(n))));
    expect(responses.map((r) => r.status)).toEqual(Array(CALLS).fill(200));
    const tokens = responses.map((r) => r.body.items[0].token as string);
    expect(new Set(tokens).size).toBe(CALLS);
    const revealed = await detokenize(tokens);
    expect(revealed.body.items.map((item: { value: string }) => item.value)).toEqual(Array.from({ length: CALLS }, (_, n) => ssn(n)));

    // Rows written by one transaction carry its id (xmin): far fewer transactions than calls.
    const transactions = await withSql(vault.database.url, (query) =>
      query<{ n: string }>(`SELECT count(DISTINCT xmin::text)::text AS n FROM tokens WHERE token = ANY($1)`, [tokens.map((t) => t.replaceAll('-', ''))]),
    );
    expect(Number(transactions[0].n)).toBeLessThan(CALLS / 2);
    const events = await withSql(vault.database.url, (query) =>
      query<{ tokens: string[] }>(`SELECT tokens FROM audit_events WHERE actor_sub = 'coalesce' AND action = 'tokenize'`),
    );
    expect(events).toHaveLength(CALLS);
    expect(events.every((event) => event.tokens.length === 1)).toBe(true);
    expect(new Set(events.map((event) => event.tokens[0]))).toEqual(new Set(tokens));
  });

  it('a call the audit log cannot record fails alone; the calls that shared its transaction commit', async () => {
    const unrecordable = await vault.bearer('bad\u0000sub', ['service'], ['vault:tokenize']);
    const responses = await Promise.all([
      ...Array.from({ length: 20 }, (_, n) => tokenize(caller, ssn(200 + n))),
      tokenize(unrecordable, '765-43-2109'),
      ...Array.from({ length: 20 }, (_, n) => tokenize(caller, ssn(300 + n))),
    ]);
    const refused = responses[20];
    expect(refused.status).toBe(422);
    expect(refused.text).not.toContain('765-43-2109');
    const accepted = responses.filter((_, index) => index !== 20);
    expect(accepted.map((r) => r.status)).toEqual(Array(40).fill(200));
    const stored = await withSql(vault.database.url, (query) => query<{ n: string }>(`SELECT count(*)::text AS n FROM tokens`));
    expect(Number(stored[0].n)).toBe(CALLS + 40);
  });

  it('gives a value a new token when its row was erased behind a cached lookup (an expired row the purge took)', async () => {
    const first = (await tokenize(caller, '612-34-5678', { ttl: 60 })).body.items[0].token as string;
    expect((await detokenize([first])).body.items[0].value).toBe('612-34-5678'); // cached from here on
    // The purge's erasure, as the database sees it, while this instance's cache still holds the row.
    await withSql(vault.database.url, (query) =>
      query(`UPDATE tokens SET expires_at = now() - interval '1 minute', erased_at = now(), ciphertext = NULL, fingerprint = NULL, patient_ref = NULL, tags = '{}' WHERE token = $1`, [
        first.replaceAll('-', ''),
      ]),
    );
    const again = await tokenize(caller, '612-34-5678');
    expect(again.status).toBe(200);
    const second = again.body.items[0].token as string;
    expect(second).not.toBe(first);
    expect((await detokenize([second])).body.items[0].value).toBe('612-34-5678');
    expect((await detokenize([first])).body.items[0].reveal).toBe('not_found');
  });
});
