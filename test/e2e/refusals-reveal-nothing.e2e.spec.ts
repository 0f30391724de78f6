import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTableText } from '../support/detokenize-audit.js';
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
