import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

/** One valid value per type and layout, each a realistic shape. */
const SAMPLES = [
  { type: 'ssn', value: '123-45-6789' },
  { type: 'ssn', value: '999123456' },
  { type: 'phone', value: '(617) 555-0142' },
  { type: 'phone', value: '617-555-0142' },
  { type: 'phone', value: '617.555.0142' },
  { type: 'phone', value: '6175550142' },
  { type: 'phone', value: '+16175550142' },
  { type: 'email', value: 'Carolee.Wisoky@example.com' },
  { type: 'date', value: '1987-06-05' },
  { type: 'date', value: '02/29/2000' },
  { type: 'name', value: "Mary-Ann O'Neil" },
  { type: 'name', value: 'José Martínez' },
  { type: 'zip', value: '02139' },
  { type: 'zip', value: '02139-4307' },
  { type: 'mrn', value: 'MRN-000123' },
  { type: 'pan', value: '4111 1111 1111 1111' },
  { type: 'pan', value: '5555-5555-5555-4444' },
  { type: 'text', value: 'Patient reports chest pain since Tuesday.' },
] as const;

const shape = (text: string) => text.replace(/\p{Lu}/gu, 'A').replace(/\p{Ll}/gu, 'a').replace(/\p{N}/gu, '9');

describe('tokens API', () => {
  let vault: TestVault;
  let service: string;
  beforeAll(async () => {
    vault = await startTestVault();
    service = await vault.bearer('ingest-svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
  });
  afterAll(async () => {
    await vault?.close();
  });

  const tokenize = (body: unknown, auth = service) => vault.http().post('/v1/tokenize').set('Authorization', auth).send(body as object);
  const detokenize = (tokens: string[], extra: Record<string, unknown> = {}, auth = service) =>
    vault.http().post('/v1/detokenize').set('Authorization', auth).send({ tokens, purpose: 'treatment', justification: 'Reconciling today\'s visit', ...extra });

  it('tokenizes every type in request order, keeping layout, and reveals each value back', async () => {
    const response = await tokenize({ items: SAMPLES });
    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(SAMPLES.length);
    response.body.items.forEach((item: { token: string; type: string }, index: number) => {
      const sample = SAMPLES[index];
      expect(item.type).toBe(sample.type);
      expect(item.token).not.toBe(sample.value);
      if (sample.type === 'text') expect(item.token).toMatch(/^tok_[0-9A-Za-z]{22}$/);
      else if (sample.type === 'email') expect(item.token).toMatch(/^[^@]+@[^@]+\.invalid$/);
      else expect(shape(item.token), `${sample.type} ${sample.value}`).toBe(shape(sample.value));
    });
    const revealed = await detokenize(response.body.items.map((item: { token: string }) => item.token));
    expect(revealed.status).toBe(200);
    expect(revealed.body.auditId).toMatch(/^[0-9a-f-]{36}$/);
    expect(revealed.body.items.map((item: { value: string }) => item.value)).toEqual(
      SAMPLES.map((s) => (s.type === 'email' ? s.value.replace(/\.com$/, '.com') : s.value)),
    );
    expect(revealed.body.items.every((item: { reveal: string }) => item.reveal === 'plain')).toBe(true);
  });

  it('deterministic mode: one value gets one token, whatever its separators, rendered in each layout', async () => {
    const response = await tokenize({ items: [{ type: 'ssn', value: '321-54-9876' }, { type: 'ssn', value: '321549876' }] });
    const [dashed, plain] = response.body.items.map((item: { token: string }) => item.token);
    expect(dashed).toMatch(/^\d{3}-\d{2}-\d{4}$/);
    expect(plain).toMatch(/^\d{9}$/);
    expect(dashed.replaceAll('-', '')).toBe(plain);
    const again = await tokenize({ items: [{ type: 'ssn', value: '321549876' }] });
    expect(again.body.items[0].token).toBe(plain);
    // Both renderings are one token: each reveals the SSN in its own layout.
    const revealed = await detokenize([dashed, plain]);
    expect(revealed.body.items.map((i: { value: string }) => i.value)).toEqual(['321-54-9876', '321549876']);
  });

  it('random mode: a new token every time', async () => {
    const body = { mode: 'random', items: [{ type: 'ssn', value: '321-54-9876' }, { type: 'ssn', value: '321-54-9876' }] };
    const first = await tokenize(body);
    const second = await tokenize(body);
    const tokens = [...first.body.items, ...second.body.items].map((item: { token: string }) => item.token);
    expect(new Set(tokens).size).toBe(4);
  });

  it('keeps patientRef and tags with the token and shows them (never the value) on GET', async () => {
    const response = await tokenize({ items: [{ type: 'mrn', value: 'A-77-1234', patientRef: 'P-000123', tags: ['restricted', 'psych'] }] });
    const token = response.body.items[0].token;
    const described = await vault.http().get(`/v1/tokens/${encodeURIComponent(token)}`).set('Authorization', service);
    expect(described.status).toBe(200);
    expect(described.body).toEqual({ token, type: 'mrn', createdAt: expect.any(String), patientRef: 'P-000123', tags: ['psych', 'restricted'] });
    expect(JSON.stringify(described.body)).not.toContain('A-77-1234');
  });

  it('deterministic re-tokenization only ever adds tags', async () => {
    const first = await tokenize({ items: [{ type: 'phone', value: '617-555-0199' }] });
    await tokenize({ items: [{ type: 'phone', value: '(617) 555-0199', tags: ['restricted'] }] });
    await tokenize({ items: [{ type: 'phone', value: '6175550199' }] });
    const described = await vault.http().get(`/v1/tokens/${first.body.items[0].token}`).set('Authorization', service);
    expect(described.body.tags).toEqual(['restricted']);
  });

  it('finds tokens with URL-unsafe characters and answers 404 for unknown or half-matching ones', async () => {
    const response = await tokenize({ items: [{ type: 'date', value: '03/14/1961' }, { type: 'name', value: 'Ann Lee' }] });
    for (const { token } of response.body.items) {
      expect((await vault.http().get(`/v1/tokens/${encodeURIComponent(token)}`).set('Authorization', service)).status).toBe(200);
    }
    const unknown = await vault.http().get('/v1/tokens/000-00-0000').set('Authorization', service);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'not_found', status: 404 });
    // Same digits as a real token but in no layout of its type: not a rendering of it.
    const digits = response.body.items[0].token.replaceAll('/', '');
    expect((await vault.http().get(`/v1/tokens/${digits.slice(0, 4)}-${digits.slice(4)}`).set('Authorization', service)).status).toBe(404);
  });

  it('detokenize answers not_found, in order, for tokens it does not hold', async () => {
    const known = (await tokenize({ items: [{ type: 'zip', value: '10001' }] })).body.items[0].token;
    const response = await detokenize(['000-00-0000', known, 'tok_AAAAAAAAAAAAAAAAAAAAAA']);
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([
      { token: '000-00-0000', type: null, reveal: 'not_found' },
      { token: known, type: 'zip', reveal: 'plain', value: '10001' },
      { token: 'tok_AAAAAAAAAAAAAAAAAAAAAA', type: null, reveal: 'not_found' },
    ]);
  });

  describe('bad input: problem+json, no value echoed, nothing stored', () => {
    const SECRET_SSN = '078-05-112';
    const cases: { name: string; body: unknown; status: number; code: string; paths?: string[] }[] = [
      { name: 'no items', body: { items: [] }, status: 422, code: 'validation_failed', paths: ['items'] },
      { name: 'items missing', body: {}, status: 422, code: 'validation_failed', paths: ['items'] },
      { name: '1001 items', body: { items: Array.from({ length: 1001 }, () => ({ type: 'zip', value: '02139' })) }, status: 422, code: 'validation_failed', paths: ['items'] },
      {
        name: 'every bad item named',
        body: { items: [{ type: 'zip', value: '02139' }, { type: 'ssn', value: SECRET_SSN }, { type: 'fax', value: '1' }, { type: 'pan', value: '4111 1111 1111 1112' }, { type: 'date', value: '2023-02-29' }] },
        status: 422,
        code: 'validation_failed',
        paths: ['items[1].value', 'items[2].type', 'items[3].value', 'items[4].value'],
      },
      { name: 'value not a string', body: { items: [{ type: 'ssn', value: 123456789 }] }, status: 422, code: 'validation_failed', paths: ['items[0].value'] },
      { name: 'unknown field', body: { items: [{ type: 'ssn', value: '123-45-6789', colour: 'red' }] }, status: 422, code: 'validation_failed', paths: ['items[0]'] },
      { name: 'bad mode', body: { mode: 'fast', items: [{ type: 'zip', value: '02139' }] }, status: 422, code: 'validation_failed', paths: ['mode'] },
      { name: 'bad tag', body: { items: [{ type: 'zip', value: '02139', tags: ['has space'] }] }, status: 422, code: 'validation_failed', paths: ['items[0].tags[0]'] },
      { name: 'body is an array', body: [{ type: 'zip', value: '02139' }], status: 422, code: 'validation_failed' },
    ];
    for (const testCase of cases) {
      it(`tokenize: ${testCase.name} -> ${testCase.status}`, async () => {
        const before = await countRows(vault.database.url, 'tokens');
        const response = await tokenize(testCase.body);
        expect(response.status).toBe(testCase.status);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body).toMatchObject({ status: testCase.status, code: testCase.code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
        if (testCase.paths) expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(testCase.paths);
        expect(response.text).not.toContain(SECRET_SSN);
        expect(response.text).not.toContain('4111 1111 1111 1112');
        expect(response.text).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
        expect(await countRows(vault.database.url, 'tokens')).toBe(before);
      });
    }

    it('malformed JSON -> 400, body over 1 MiB -> 413, wrong media type -> 415', async () => {
      const malformed = await vault.http().post('/v1/tokenize').set('Authorization', service).set('Content-Type', 'application/json').send(`{"items":[{"type":"ssn","value":"${SECRET_SSN}"`);
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('malformed_json');
      expect(malformed.text).not.toContain(SECRET_SSN);
      const huge = await vault.http().post('/v1/tokenize').set('Authorization', service).set('Content-Type', 'application/json').send(JSON.stringify({ items: [{ type: 'text', value: 'x'.repeat(1024 * 1024) }] }));
      expect(huge.status).toBe(413);
      expect(huge.body.code).toBe('payload_too_large');
      const text = await vault.http().post('/v1/tokenize').set('Authorization', service).set('Content-Type', 'text/plain').send(SECRET_SSN);
      expect(text.status).toBe(415);
      expect(text.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    const detokenizeCases: { name: string; body: Record<string, unknown>; paths: string[] }[] = [
      { name: 'no purpose', body: { tokens: ['1'], justification: 'Checking eligibility' }, paths: ['purpose'] },
      { name: 'unknown purpose', body: { tokens: ['1'], purpose: 'curiosity', justification: 'Checking eligibility' }, paths: ['purpose'] },
      { name: 'short justification', body: { tokens: ['1'], purpose: 'treatment', justification: 'because' }, paths: ['justification'] },
      { name: 'long justification', body: { tokens: ['1'], purpose: 'treatment', justification: 'x'.repeat(1001) }, paths: ['justification'] },
      { name: 'no tokens', body: { tokens: [], purpose: 'treatment', justification: 'Checking eligibility' }, paths: ['tokens'] },
      { name: '1001 tokens', body: { tokens: Array.from({ length: 1001 }, () => '1'), purpose: 'treatment', justification: 'Checking eligibility' }, paths: ['tokens'] },
      { name: 'breakGlass not boolean', body: { tokens: ['1'], purpose: 'treatment', justification: 'Checking eligibility', breakGlass: 'yes' }, paths: ['breakGlass'] },
    ];
    for (const testCase of detokenizeCases) {
      it(`detokenize: ${testCase.name} -> 422, not audited`, async () => {
        const before = await countRows(vault.database.url, 'audit_events');
        const response = await vault.http().post('/v1/detokenize').set('Authorization', service).send(testCase.body);
        expect(response.status).toBe(422);
        expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(testCase.paths);
        expect(await countRows(vault.database.url, 'audit_events')).toBe(before);
      });
    }
  });
});
