import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passesLuhn } from '../../src/formats/luhn.js';
import { countRows, withSql } from '../support/db-inspect.js';
import { auditRowsOf, auditTableText } from '../support/detokenize-audit.js';
import { plaintextPattern } from '../support/plaintext-pattern.js';
import { startTestVault, type TestVault } from '../support/vault.js';

/** One value per FPE type and layout; each type is detokenized in a call of its own (mode fpe takes one type). */
const SAMPLES = [
  { type: 'ssn', value: '123-45-6789' },
  { type: 'ssn', value: '987654321' },
  { type: 'phone', value: '(617) 555-0142' },
  { type: 'phone', value: '+16175550142' },
  { type: 'phone', value: '617.555.0142' },
  { type: 'zip', value: '02139-4307' },
  { type: 'mrn', value: 'MRN-000123' },
  { type: 'mrn', value: 'a-77-1234' },
  { type: 'pan', value: '4111 1111 1111 1111' },
  { type: 'pan', value: '5555-5555-5555-4444' },
  { type: 'pan', value: '378282246310005' },
  { type: 'date', value: '1987-06-05' },
  { type: 'date', value: '02/29/2000' },
] as const;
type FpeSampleType = (typeof SAMPLES)[number]['type'];

const JUSTIFICATION = "Reconciling today's visit with the claims system";
const shape = (text: string) => text.replace(/[A-Z]/g, 'A').replace(/[a-z]/g, 'a').replace(/\d/g, '9');

describe('vaultless FF1 tokens (mode "fpe")', () => {
  let vault: TestVault;
  let ingest: string;
  let tokens: string[] = [];

  beforeAll(async () => {
    vault = await startTestVault();
    ingest = await vault.bearer('fpe-ingest', ['service'], ['vault:tokenize']);
    const response = await tokenize({ mode: 'fpe', items: SAMPLES });
    expect(response.status).toBe(200);
    tokens = response.body.items.map((item: { token: string }) => item.token);
  });
  afterAll(async () => {
    await vault?.close();
  });

  const tokenize = (body: unknown) => vault.http().post('/v1/tokenize').set('Authorization', ingest).send(body as object);
  const detokenize = async (sub: string, roles: string[], body: Record<string, unknown>, scopes = ['vault:detokenize']) =>
    vault
      .http()
      .post('/v1/detokenize')
      .set('Authorization', await vault.bearer(sub, roles, scopes))
      .send({ purpose: 'treatment', justification: JUSTIFICATION, ...body });
  const ofType = (type: FpeSampleType) => SAMPLES.flatMap((sample, index) => (sample.type === type ? [{ value: sample.value, token: tokens[index] }] : []));

  it('answers tokens in request order, each in its value layout and never equal to it; stores no row', async () => {
    expect(await countRows(vault.database.url, 'tokens')).toBe(0);
    SAMPLES.forEach((sample, index) => {
      expect(tokens[index]).not.toBe(sample.value);
      expect(shape(tokens[index]), `${sample.type} ${sample.value}`).toBe(shape(sample.value));
    });
    for (const { value, token } of ofType('pan')) {
      expect(token.slice(-4)).toBe(value.slice(-4));
      expect(passesLuhn(token.replace(/\D/g, ''))).toBe(false);
    }
  });

  it('is deterministic, and a namespace separates datasets', async () => {
    const again = await tokenize({ mode: 'fpe', items: SAMPLES });
    expect(again.body.items.map((item: { token: string }) => item.token)).toEqual(tokens);
    const explicit = await tokenize({ mode: 'fpe', namespace: 'default', items: SAMPLES.slice(0, 1) });
    expect(explicit.body.items[0].token).toBe(tokens[0]);
    const tenant = await tokenize({ mode: 'fpe', namespace: 'tenant-b:2026', items: SAMPLES.slice(0, 1) });
    expect(tenant.status).toBe(200);
    expect(tenant.body.items[0].token).not.toBe(tokens[0]);
    const back = await detokenize('fpe-ns', ['service'], { mode: 'fpe', type: 'ssn', namespace: 'tenant-b:2026', tokens: [tenant.body.items[0].token] });
    expect(back.body.items[0]).toMatchObject({ reveal: 'plain', value: SAMPLES[0].value });
    expect(await countRows(vault.database.url, 'tokens')).toBe(0);
  });

  it('detokenize mode fpe gives every value back, in the presented layout, for each type', async () => {
    for (const type of ['ssn', 'phone', 'zip', 'mrn', 'pan', 'date'] as const) {
      const samples = ofType(type);
      const response = await detokenize('fpe-service', ['service'], { mode: 'fpe', type, tokens: samples.map((s) => s.token) });
      expect(response.status, type).toBe(200);
      expect(response.body.items).toEqual(samples.map(({ token, value }) => ({ token, type, reveal: 'plain', value })));
    }
    // Another rendering of the same SSN token reveals the SSN in that rendering's layout.
    const dashed = tokens[0];
    const response = await detokenize('fpe-service', ['service'], { mode: 'fpe', type: 'ssn', tokens: [dashed.replaceAll('-', '')] });
    expect(response.body.items[0].value).toBe('123456789');
  });

  it('applies the reveal policy by type: clinician and support see SSN and PAN masked, analysts nothing, break-glass plain', async () => {
    const ssnTokens = ofType('ssn').map((s) => s.token);
    const clinician = await detokenize('fpe-clin', ['clinician'], { mode: 'fpe', type: 'ssn', tokens: ssnTokens });
    expect(clinician.body.items.map((i: { reveal: string; value: string }) => [i.reveal, i.value])).toEqual([
      ['masked', '***-**-6789'],
      ['masked', '*****4321'],
    ]);
    const clinicianDates = await detokenize('fpe-clin', ['clinician'], { mode: 'fpe', type: 'date', tokens: ofType('date').map((s) => s.token) });
    expect(clinicianDates.body.items.map((i: { reveal: string }) => i.reveal)).toEqual(['plain', 'plain']);
    const support = await detokenize('fpe-support', ['support'], { mode: 'fpe', type: 'pan', tokens: [ofType('pan')[0].token] });
    expect(support.body.items[0]).toMatchObject({ reveal: 'masked', value: '**** **** **** 1111' });
    const analyst = await detokenize('fpe-analyst', ['analyst'], { mode: 'fpe', type: 'ssn', tokens: ssnTokens });
    expect(analyst.status).toBe(200);
    expect(analyst.body.items).toEqual(ssnTokens.map((token) => ({ token, type: 'ssn', reveal: 'denied' })));
    const emergency = await detokenize(
      'fpe-bg',
      ['clinician'],
      { mode: 'fpe', type: 'ssn', tokens: ssnTokens, breakGlass: true, purpose: 'emergency', justification: 'Unconscious patient in the ED; identity needed for records' },
      ['vault:detokenize', 'vault:break_glass'],
    );
    expect(emergency.body.items.map((i: { value: string }) => i.value)).toEqual(['123-45-6789', '987654321']);
    const masked = await detokenize('fpe-service', ['service'], { mode: 'fpe', type: 'ssn', tokens: ssnTokens, reveal: 'masked' });
    expect(masked.body.items[0]).toMatchObject({ reveal: 'masked', value: '***-**-6789' });
  });

  it('answers not_found for strings that are no FPE token of the type, and vault mode does not know FPE tokens', async () => {
    const pan = ofType('pan')[0].token;
    const digits = pan.replace(/ /g, '');
    const checkPosition = digits.length - 5;
    const wrongCheck = digits.slice(0, checkPosition) + ((Number(digits[checkPosition]) + 1) % 10) + digits.slice(-4);
    const response = await detokenize('fpe-service', ['service'], { mode: 'fpe', type: 'pan', tokens: [pan, wrongCheck, '4242 4242 4242 4242', 'not a pan'] });
    expect(response.body.items.map((i: { reveal: string }) => i.reveal)).toEqual(['plain', 'not_found', 'not_found', 'not_found']);
    expect(response.body.items[1]).toEqual({ token: wrongCheck, type: null, reveal: 'not_found' });
    const zip5 = await detokenize('fpe-service', ['service'], { mode: 'fpe', type: 'zip', tokens: ['02139', '02139 4307'] });
    expect(zip5.body.items.map((i: { reveal: string }) => i.reveal)).toEqual(['not_found', 'not_found']);
    const vaultMode = await detokenize('fpe-service', ['service'], { tokens: [tokens[0]] });
    expect(vaultMode.body.items[0]).toEqual({ token: tokens[0], type: null, reveal: 'not_found' });
  });

  it('audits tokenize and detokenize with mode, type and namespace, never a value', async () => {
    const tokenizeEvents = await withSql(vault.database.url, (query) =>
      query<{ tokens: string[]; details: Record<string, unknown> }>(`SELECT tokens, details FROM audit_events WHERE action = 'tokenize' AND actor_sub = 'fpe-ingest' ORDER BY seq`),
    );
    expect(tokenizeEvents[0]).toEqual({ tokens, details: { mode: 'fpe', namespace: 'default', items: SAMPLES.length } });
    expect(tokenizeEvents.some((event) => event.details.namespace === 'tenant-b:2026')).toBe(true);
    await detokenize('fpe-audited', ['clinician'], { mode: 'fpe', type: 'ssn', namespace: 'default', tokens: [tokens[0], '000'] });
    const [event] = await auditRowsOf(vault.database.url, 'fpe-audited');
    expect(event).toMatchObject({
      purpose: 'treatment',
      tokens: [tokens[0], '000'],
      outcome: 'allowed',
      details: { mode: 'fpe', type: 'ssn', namespace: 'default', reveals: { plain: 0, masked: 1, denied: 0, not_found: 1 } },
    });
    const text = await auditTableText(vault.database.url);
    for (const sample of SAMPLES) expect(text).not.toContain(sample.value);
  });

  it('records refusals before lookup with the fpe details too', async () => {
    const response = await detokenize('fpe-no-bg', ['clinician'], { mode: 'fpe', type: 'ssn', tokens: [tokens[0]], breakGlass: true, purpose: 'emergency', justification: 'x'.repeat(40) });
    expect(response.status).toBe(403);
    const [event] = await auditRowsOf(vault.database.url, 'fpe-no-bg');
    expect(event).toMatchObject({ outcome: 'denied', details: { mode: 'fpe', type: 'ssn', namespace: 'default', refused: 'missing_break_glass_scope' } });
  });

  describe('bad input: 422 naming every bad item, no value echoed, nothing stored or audited', () => {
    const SECRET = '078-05-1120';
    const cases: { name: string; body: Record<string, unknown>; paths: string[] }[] = [
      {
        name: 'types without an FF1 domain, a ZIP5 and a short MRN',
        body: {
          mode: 'fpe',
          items: [
            { type: 'ssn', value: SECRET },
            { type: 'email', value: 'ann@example.com' },
            { type: 'zip', value: '02139' },
            { type: 'mrn', value: 'AB-12' },
            { type: 'name', value: 'Ann Lee' },
            { type: 'text', value: SECRET },
            { type: 'pan', value: '4111 1111 1111 1112' },
          ],
        },
        paths: ['items[1].type', 'items[2].value', 'items[3].value', 'items[4].type', 'items[5].type', 'items[6].value'],
      },
      {
        name: 'tags, patientRef and ttl (no row would keep them)',
        body: { mode: 'fpe', items: [{ type: 'ssn', value: SECRET, tags: ['restricted'] }, { type: 'ssn', value: SECRET, patientRef: 'P-1' }, { type: 'ssn', value: SECRET, ttl: 3600 }] },
        paths: ['items[0].tags', 'items[1].patientRef', 'items[2].ttl'],
      },
      { name: 'a bad namespace', body: { mode: 'fpe', namespace: 'has space', items: [{ type: 'ssn', value: SECRET }] }, paths: ['namespace'] },
      { name: 'a namespace without mode fpe', body: { namespace: 'tenant-b', items: [{ type: 'ssn', value: SECRET }] }, paths: ['namespace'] },
      { name: 'a bad value with mode fpe', body: { mode: 'fpe', items: [{ type: 'ssn', value: `${SECRET}0` }] }, paths: ['items[0].value'] },
    ];
    for (const testCase of cases) {
      it(`tokenize: ${testCase.name}`, async () => {
        const audited = await countRows(vault.database.url, 'audit_events');
        const response = await tokenize(testCase.body);
        expect(response.status).toBe(422);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body.code).toBe('validation_failed');
        expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(testCase.paths);
        expect(response.text).not.toContain(SECRET);
        expect(response.text).not.toMatch(plaintextPattern('02139'));
        expect(await countRows(vault.database.url, 'tokens')).toBe(0);
        expect(await countRows(vault.database.url, 'audit_events')).toBe(audited);
      });
    }

    it('explains why tags cannot be used and why a small domain is refused', async () => {
      const response = await tokenize({ mode: 'fpe', items: [{ type: 'ssn', value: SECRET, tags: ['restricted'] }, { type: 'zip', value: '02139' }] });
      expect(response.body.errors[0].message).toMatch(/mode "fpe".*restricted.*lost/);
      expect(response.body.errors[1].message).toMatch(/1,000,000.*NIST SP 800-38G/);
    });

    const detokenizeCases: { name: string; body: Record<string, unknown>; paths: string[] }[] = [
      { name: 'mode fpe without type', body: { mode: 'fpe', tokens: ['123-45-6789'] }, paths: ['type'] },
      { name: 'mode fpe with a type it has no domain for', body: { mode: 'fpe', type: 'email', tokens: ['a@b.invalid'] }, paths: ['type'] },
      { name: 'type without mode fpe', body: { type: 'ssn', tokens: ['123-45-6789'] }, paths: ['type'] },
      { name: 'namespace without mode fpe', body: { namespace: 'default', tokens: ['123-45-6789'] }, paths: ['namespace'] },
      { name: 'an unknown mode', body: { mode: 'vaultless', tokens: ['123-45-6789'] }, paths: ['mode'] },
      { name: 'a bad namespace and a short justification', body: { mode: 'fpe', type: 'ssn', namespace: '', tokens: ['1'], justification: 'short' }, paths: ['justification', 'namespace'] },
    ];
    for (const testCase of detokenizeCases) {
      it(`detokenize: ${testCase.name}`, async () => {
        const audited = await countRows(vault.database.url, 'audit_events');
        const response = await detokenize('fpe-bad', ['service'], testCase.body);
        expect(response.status).toBe(422);
        expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(testCase.paths);
        expect(await countRows(vault.database.url, 'audit_events')).toBe(audited);
      });
    }
  });

  it('never logs a value or a token', async () => {
    const logs = vault.logs.join('');
    for (const sample of SAMPLES) expect(logs).not.toContain(sample.value);
    for (const token of tokens) expect(logs).not.toContain(token);
  });
});
