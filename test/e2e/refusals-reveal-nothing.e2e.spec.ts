import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRowsOf, auditTableText } from '../support/detokenize-audit.js';
import { countRows, withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const VALUES = ['078-05-1120', 'Zebulon Quixote', '4012 8888 8888 1881'];
const BG_JUSTIFICATION = 'Unresponsive patient in resus, need history now';

/** Every way a detokenize (or neighbouring) call is refused: problem+json, and no value anywhere. */
describe('every 401/403/422/429 reveals nothing', () => {
  let vault: TestVault;
  let tokens: string[] = [];
  beforeAll(async () => {
    vault = await startTestVault({ env: { VAULT_DETOKENIZE_TOKENS_PER_MINUTE: '3', VAULT_BREAK_GLASS_CALLS_PER_HOUR: '1' } });
    const ingest = await vault.bearer('refusal-ingest', ['service'], ['vault:tokenize']);
    const response = await vault
      .http()
      .post('/v1/tokenize')
      .set('Authorization', ingest)
      .send({ items: [{ type: 'ssn', value: VALUES[0], tags: ['restricted'] }, { type: 'name', value: VALUES[1] }, { type: 'pan', value: VALUES[2] }] });
    tokens = response.body.items.map((item: { token: string }) => item.token);
  });
  afterAll(async () => {
    await vault?.close();
  });

  const body = (extra: Record<string, unknown> = {}) => ({ tokens, purpose: 'treatment', justification: 'Follow-up of lab results', ...extra });
  const bearer = (sub: string, scopes: string[], roles = ['clinician']) => vault.bearer(sub, roles, scopes);
  const post = async (path: string, auth: string | null, payload: unknown) => {
    const call = vault.http().post(path);
    return (auth === null ? call : call.set('Authorization', auth)).send(payload as object);
  };
  const detokenize = async (sub: string, scopes: string[], extra: Record<string, unknown> = {}) => post('/v1/detokenize', await bearer(sub, scopes), body(extra));
  const DETOK = ['vault:detokenize'];
  const BG = ['vault:detokenize', 'vault:break_glass'];

  const CASES: { name: string; status: number; send: () => Promise<Response> }[] = [
    { name: 'no Authorization', status: 401, send: () => post('/v1/detokenize', null, body()) },
    { name: 'a malformed bearer', status: 401, send: () => post('/v1/detokenize', 'Bearer x.y.z', body()) },
    { name: 'an expired JWT', status: 401, send: async () => post('/v1/detokenize', `Bearer ${await vault.signer.mint({ sub: 'old', roles: ['service'], scope: 'vault:detokenize' }, { expiresInSeconds: -120 })}`, body()) },
    { name: 'detokenize without vault:detokenize', status: 403, send: async () => detokenize('r-403a', ['vault:tokenize']) },
    { name: 'break-glass without vault:break_glass', status: 403, send: async () => detokenize('r-403b', DETOK, { breakGlass: true, purpose: 'emergency', justification: BG_JUSTIFICATION }) },
    { name: 'tokenize (with values) without vault:tokenize', status: 403, send: async () => post('/v1/tokenize', await bearer('r-403c', DETOK), { items: [{ type: 'ssn', value: VALUES[0] }] }) },
    { name: 'token metadata without vault:tokenize', status: 403, send: async () => vault.http().get(`/v1/tokens/${tokens[0]}`).set('Authorization', await bearer('r-403d', DETOK)) },
    { name: 'an unknown purpose', status: 422, send: () => detokenize('r-422a', DETOK, { purpose: 'curiosity' }) },
    { name: 'a short justification', status: 422, send: () => detokenize('r-422b', DETOK, { justification: 'because' }) },
    { name: 'a blank justification', status: 422, send: () => detokenize('r-422c', DETOK, { justification: ' '.repeat(12) }) },
    { name: 'an unknown reveal', status: 422, send: () => detokenize('r-422d', DETOK, { reveal: 'all' }) },
    { name: 'an unknown field carrying a value', status: 422, send: () => detokenize('r-422e', DETOK, { note: VALUES[1] }) },
    { name: 'a value where a token goes (not a string)', status: 422, send: () => detokenize('r-422f', DETOK, { tokens: [{ value: VALUES[0] }] }) },
    { name: 'break-glass with purpose payment', status: 422, send: () => detokenize('r-422g', BG, { breakGlass: true, purpose: 'payment', justification: BG_JUSTIFICATION }) },
    { name: 'break-glass with a 29-character justification', status: 422, send: () => detokenize('r-422h', BG, { breakGlass: true, purpose: 'emergency', justification: 'y'.repeat(29) }) },
    {
      name: 'over the token rate limit',
      status: 429,
      send: async () => {
        expect((await detokenize('r-429a', DETOK, { tokens: tokens.slice(0, 3) })).status).toBe(200);
        return detokenize('r-429a', DETOK, { tokens: tokens.slice(0, 1) });
      },
    },
    {
      name: 'over the break-glass cap',
      status: 429,
      send: async () => {
        const extra = { breakGlass: true, purpose: 'emergency', justification: BG_JUSTIFICATION, tokens: tokens.slice(0, 1) };
        expect((await detokenize('r-429b', BG, extra)).status).toBe(200);
        return detokenize('r-429b', BG, extra);
      },
    },
  ];

  for (const testCase of CASES) {
    it(`${testCase.name} -> ${testCase.status}, problem+json, no value`, async () => {
      const response = await testCase.send();
      expect(response.status).toBe(testCase.status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: testCase.status, type: expect.any(String), title: expect.any(String), detail: expect.any(String), code: expect.any(String) });
      expect(response.body.items).toBeUndefined();
      expect(response.body.value).toBeUndefined();
      for (const value of VALUES) {
        expect(response.text).not.toContain(value);
        const digits = value.replace(/\D/g, '');
        if (digits !== '') expect(response.text).not.toContain(digits.slice(-9)); // nor its digits in another layout
      }
      if (testCase.status === 429) expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    });
  }

  it('no value reached the logs or the audit table along the way', async () => {
    const logs = vault.logs.join('');
    const audit = await auditTableText(vault.database.url);
    for (const value of VALUES) {
      expect(logs).not.toContain(value);
      expect(audit).not.toContain(value);
    }
  });
});

/** CONTRACT section 5: every detokenize call, allowed or not, is an event: also one the scope guard refuses. */
describe('a detokenize refused for its scope is audited (fail closed)', () => {
  let vault: TestVault;
  let tokens: string[] = [];
  const JUSTIFICATION = 'Follow-up of lab results';
  beforeAll(async () => {
    vault = await startTestVault();
    const ingest = await vault.bearer('scope-ingest', ['service'], ['vault:tokenize']);
    const response = await vault.http().post('/v1/tokenize').set('Authorization', ingest).send({ items: [{ type: 'ssn', value: VALUES[0] }, { type: 'name', value: VALUES[1] }] });
    tokens = response.body.items.map((item: { token: string }) => item.token);
  });
  afterAll(async () => {
    await vault?.close();
  });

  const refusedBy = async (sub: string, body: unknown, scopes = ['vault:tokenize', 'audit:read']) =>
    vault.http().post('/v1/detokenize').set('Authorization', await vault.bearer(sub, ['clinician', 'support'], scopes)).send(body as object);

  it('records a denied detokenize event with the actor and the valid purpose, justification and tokens', async () => {
    const response = await refusedBy('no-detok-1', { tokens, purpose: 'treatment', justification: JUSTIFICATION });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'forbidden', detail: 'This call needs the scope vault:detokenize.' });
    const events = await auditRowsOf(vault.database.url, 'no-detok-1');
    expect(events).toEqual([
      expect.objectContaining({ action: 'detokenize', outcome: 'denied', purpose: 'treatment', justification: JUSTIFICATION, break_glass: false, tokens, details: { refused: 'missing_scope', tokenCount: 2 } }),
    ]);
    const [row] = await withSql(vault.database.url, (query) => query<{ actor_roles: string[] }>(`SELECT actor_roles FROM audit_events WHERE id = $1`, [events[0].id]));
    expect(row.actor_roles).toEqual(['clinician', 'support']);
  });

  it('leaves out every field that is missing or invalid by the detokenize rules (still 403, not 422)', async () => {
    const invalid = [
      { tokens: [{ value: VALUES[0] }], purpose: 'curiosity', justification: 'because' },
      { tokens: [], purpose: 'Treatment', justification: ' '.repeat(12), note: VALUES[1] },
      { tokens: Array.from({ length: 1001 }, () => tokens[0]), justification: 'x'.repeat(1001) },
      [tokens[0]],
      {},
    ];
    for (const [index, body] of invalid.entries()) {
      const response = await refusedBy(`no-detok-2-${index}`, body);
      expect(response.status, JSON.stringify(body).slice(0, 60)).toBe(403);
      const [event] = await auditRowsOf(vault.database.url, `no-detok-2-${index}`);
      expect(event).toMatchObject({ outcome: 'denied', purpose: null, justification: null, tokens: [], details: { refused: 'missing_scope', tokenCount: 0 } });
    }
    // Each field on its own merits: a valid purpose is kept beside an invalid justification.
    await refusedBy('no-detok-3', { tokens: 'not-a-list', purpose: 'legal', justification: 'short' });
    expect((await auditRowsOf(vault.database.url, 'no-detok-3'))[0]).toMatchObject({ purpose: 'legal', justification: null, tokens: [] });
    // Text the audit log cannot store faithfully drops the request's fields rather than the record.
    await refusedBy('no-detok-4', { tokens: ['abc\u0000def'], purpose: 'legal', justification: JUSTIFICATION });
    expect((await auditRowsOf(vault.database.url, 'no-detok-4'))[0]).toMatchObject({ outcome: 'denied', purpose: null, justification: null, tokens: [] });
    const audit = await auditTableText(vault.database.url);
    for (const value of VALUES) expect(audit).not.toContain(value);
  });

  it('marks a refused break-glass attempt as break-glass, so it waits for review', async () => {
    const response = await refusedBy('no-detok-bg', { tokens: [tokens[0]], purpose: 'emergency', justification: 'Unresponsive patient in resus, need history now', breakGlass: true }, ['vault:break_glass']);
    expect(response.status).toBe(403);
    const [event] = await auditRowsOf(vault.database.url, 'no-detok-bg');
    expect(event).toMatchObject({ break_glass: true, outcome: 'denied', purpose: 'emergency', tokens: [tokens[0]], details: { refused: 'missing_scope' } });
  });

  it('does not audit 401s (no verified actor) nor scope refusals on other routes', async () => {
    const before = await countRows(vault.database.url, 'audit_events');
    const body = { tokens, purpose: 'treatment', justification: JUSTIFICATION };
    expect((await vault.http().post('/v1/detokenize').send(body)).status).toBe(401);
    expect((await vault.http().post('/v1/detokenize').set('Authorization', 'Bearer x.y.z').send(body)).status).toBe(401);
    const detokenizer = await vault.bearer('detok-only', ['clinician'], ['vault:detokenize']);
    expect((await vault.http().post('/v1/tokenize').set('Authorization', detokenizer).send({ items: [{ type: 'zip', value: '02139' }] })).status).toBe(403);
    expect((await vault.http().get('/v1/audit/events').set('Authorization', detokenizer)).status).toBe(403);
    expect(await countRows(vault.database.url, 'audit_events')).toBe(before);
  });

  it('if the refusal cannot be recorded the answer is 503, not 403, and reveals nothing', async () => {
    const sql = (script: string) => withSql(vault.database.url, (query) => query(script));
    await sql(`CREATE FUNCTION test_audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit storage unavailable (test)'; END $$;
      CREATE TRIGGER test_audit_down BEFORE INSERT ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION test_audit_down()`);
    try {
      const response = await refusedBy('no-detok-down', { tokens, purpose: 'treatment', justification: JUSTIFICATION });
      expect(response.status).toBe(503);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 503, code: 'audit_unavailable' });
      for (const value of VALUES) expect(response.text).not.toContain(value);
    } finally {
      await sql('DROP TRIGGER test_audit_down ON audit_events; DROP FUNCTION test_audit_down()');
    }
    expect(await auditRowsOf(vault.database.url, 'no-detok-down')).toEqual([]);
    expect((await refusedBy('no-detok-down', { tokens, purpose: 'treatment', justification: JUSTIFICATION })).status).toBe(403);
  });
});
