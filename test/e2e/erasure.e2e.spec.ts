import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErasureRequestSchema } from '../../src/erasure/dto/erasure-request.dto.js';
import { DetokenizeRequestSchema, PURPOSES } from '../../src/tokens/dto/detokenize.dto.js';
import { countRows, withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const SSN = '219-09-9999';
const SSN_DIGITS = '219099999';
const REASON = { purpose: 'legal', justification: 'Right-to-erasure request #4471 approved by the privacy office' };

interface TokenRow {
  token_key: string;
  type: string;
  token: string;
  ciphertext: Buffer | null;
  fingerprint: Buffer | null;
  patient_ref: string | null;
  tags: string[] | null;
  erased_at: Date | null;
}

interface DeleteEventRow {
  id: string;
  actor_sub: string;
  purpose: string | null;
  justification: string | null;
  tokens: string[];
  token_keys: string[];
  outcome: string;
  details: Record<string, unknown>;
  as_text: string;
}

describe('erasure API', () => {
  let vault: TestVault;
  let service: string;
  let admin: string;
  let auditor: string;

  beforeAll(async () => {
    vault = await startTestVault({ env: { VAULT_PURGE_INTERVAL_SECONDS: '0' } });
    service = await vault.bearer('ingest-svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
    admin = await vault.bearer('privacy-officer', ['compliance'], ['vault:admin']);
    auditor = await vault.bearer('auditor', ['compliance'], ['audit:read']);
  });
  afterAll(async () => {
    await vault?.close();
  });

  const tokenize = async (items: object[], mode = 'deterministic'): Promise<string[]> => {
    const response = await vault.http().post('/v1/tokenize').set('Authorization', service).send({ items, mode });
    expect(response.status).toBe(200);
    return response.body.items.map((item: { token: string }) => item.token);
  };
  const detokenize = (tokens: string[]) =>
    vault.http().post('/v1/detokenize').set('Authorization', service).send({ tokens, purpose: 'treatment', justification: 'Reconciling today\'s visit' });
  /** `body` null: a DELETE without a body. */
  const eraseToken = (token: string, body: object | null = REASON, auth = admin) => {
    const call = vault.http().delete(`/v1/tokens/${encodeURIComponent(token)}`).set('Authorization', auth);
    return body === null ? call : call.send(body);
  };
  const erasePatient = (patientRef: string, body: object | null = REASON, auth = admin) => {
    const call = vault.http().delete(`/v1/patients/${encodeURIComponent(patientRef)}/tokens`).set('Authorization', auth);
    return body === null ? call : call.send(body);
  };
  const sql = <Row>(text: string, params: unknown[] = []) => withSql(vault.database.url, (query) => query<Row>(text, params));
  /** SSN tokens are stored canonical: their digits. */
  const ssnRows = (tokens: string[]) => sql<TokenRow>('SELECT * FROM tokens WHERE token = ANY($1::text[]) ORDER BY token', [tokens.map((t) => t.replace(/\D/g, ''))]);
  const deleteEvent = async (id: string) =>
    (await sql<DeleteEventRow>(`SELECT *, row_to_json(e)::text AS as_text FROM audit_events e WHERE id = $1 AND action = 'delete'`, [id]))[0];

  it('erasure is final: the value is gone from row and cache, a new tokenize mints a new token, the chain records it', async () => {
    const [token] = await tokenize([{ type: 'ssn', value: SSN, patientRef: 'P-000777' }]);
    // Revealed once, so any cache in front of the table is warm.
    expect((await detokenize([token])).body.items[0]).toMatchObject({ reveal: 'plain', value: SSN });

    const erased = await eraseToken(token);
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({ auditId: expect.stringMatching(/^[0-9a-f-]{36}$/), erased: 1 });

    expect((await detokenize([token])).body.items[0]).toEqual({ token, type: null, reveal: 'not_found' });
    const described = await vault.http().get(`/v1/tokens/${token}`).set('Authorization', service);
    expect(described.status).toBe(404);
    expect(described.headers['content-type']).toMatch(/^application\/problem\+json/);

    const [row] = await ssnRows([token]);
    expect(row).toMatchObject({ type: 'ssn', ciphertext: null, fingerprint: null, patient_ref: null, tags: [] });
    expect(row.erased_at).toBeInstanceOf(Date);

    const [again] = await tokenize([{ type: 'ssn', value: SSN }]);
    expect(again).not.toBe(token);
    expect((await detokenize([again])).body.items[0]).toMatchObject({ reveal: 'plain', value: SSN });
    expect((await detokenize([token])).body.items[0].reveal).toBe('not_found');

    const event = await deleteEvent(erased.body.auditId);
    expect(event).toMatchObject({ actor_sub: 'privacy-officer', purpose: 'legal', justification: REASON.justification, tokens: [token], outcome: 'allowed' });
    expect(event.token_keys).toEqual([row.token_key]);
    expect(event.details).toMatchObject({ reason: 'request', erased: 1, patientRefs: ['P-000777'] });
    expect(event.as_text).not.toContain(SSN);
    expect(event.as_text).not.toContain(SSN_DIGITS);
    const listed = await vault.http().get('/v1/audit/events').query({ action: 'delete', token }).set('Authorization', auditor);
    expect(listed.body.items.map((item: { id: string; purpose: string }) => [item.id, item.purpose])).toEqual([[erased.body.auditId, 'legal']]);
    const verified = await vault.http().get('/v1/audit/verify').set('Authorization', auditor);
    expect(verified.body).toMatchObject({ valid: true });
    expect(vault.logs.join('')).not.toContain(SSN_DIGITS);
    expect(vault.logs.join('')).not.toContain(SSN);
  });

  it('erases a tagged, patient-linked token and drops what linked it; any layout of the token erases it', async () => {
    const [dashed] = await tokenize([{ type: 'ssn', value: '078-05-1120', patientRef: 'P-000123', tags: ['restricted'] }]);
    const erased = await eraseToken(dashed.replaceAll('-', ''));
    expect(erased.status).toBe(200);
    const [row] = await ssnRows([dashed]);
    expect(row).toMatchObject({ ciphertext: null, fingerprint: null, patient_ref: null, tags: [] });
    const event = await deleteEvent(erased.body.auditId);
    expect(event.details).toMatchObject({ reason: 'request', erased: 1, patientRefs: ['P-000123'] });
    expect(event.tokens).toEqual([dashed.replaceAll('-', '')]);
    expect(event.as_text).not.toContain('078051120');
    expect((await eraseToken(dashed)).status).toBe(404);
  });

  it('takes tokens whose layout needs URL encoding (slashes, spaces)', async () => {
    const [date, name] = await tokenize([{ type: 'date', value: '02/29/2000' }, { type: 'name', value: "Mary-Ann O'Neil" }], 'random');
    expect(date).toContain('/');
    expect(name).toContain(' ');
    for (const token of [date, name]) {
      expect((await eraseToken(token)).status).toBe(200);
      expect((await detokenize([token])).body.items[0].reveal).toBe('not_found');
    }
  });

  it('per patient: erases every live token of that patient in audited batches, and nobody else\'s', async () => {
    const patient = 'P/ERASE-1';
    const values = Array.from({ length: 600 }, (_, index) => ({ type: 'text', value: `visit note ${index}`, patientRef: patient }));
    const tokens = await tokenize(values, 'random');
    const [otherPatient, noPatient] = await tokenize([{ type: 'text', value: 'visit note 0', patientRef: 'P-OTHER' }, { type: 'text', value: 'visit note 1' }], 'random');

    const erased = await erasePatient(patient);
    expect(erased.status).toBe(200);
    expect(erased.body.erased).toBe(600);
    expect(erased.body.auditIds).toHaveLength(3);
    const events = await Promise.all(erased.body.auditIds.map((id: string) => deleteEvent(id)));
    expect(events.map((event) => event.tokens.length)).toEqual([250, 250, 100]);
    expect(events.map((event) => event.details)).toEqual([1, 2, 3].map((batch, index) => expect.objectContaining({ reason: 'request', patientRef: patient, batch, erased: [250, 250, 100][index] })));
    expect(new Set(events.flatMap((event) => event.tokens))).toEqual(new Set(tokens));
    expect(events.every((event) => event.purpose === 'legal' && event.justification === REASON.justification)).toBe(true);

    const after = await detokenize([...tokens, otherPatient, noPatient]);
    expect(after.body.items.slice(0, 600).filter((item: { reveal: string }) => item.reveal !== 'not_found')).toEqual([]);
    expect(after.body.items.slice(600).map((item: { value: string }) => item.value)).toEqual(['visit note 0', 'visit note 1']);
    const [{ live }] = await sql<{ live: string }>(`SELECT count(*) AS live FROM tokens WHERE erased_at IS NULL AND ciphertext IS NOT NULL AND token = ANY($1::text[])`, [tokens]);
    expect(Number(live)).toBe(0);
  });

  it('per patient: a patient with no live token is a 200 with erased 0, still recorded', async () => {
    const response = await erasePatient('P-NOBODY');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ auditIds: [expect.any(String)], erased: 0 });
    const event = await deleteEvent(response.body.auditIds[0]);
    expect(event).toMatchObject({ tokens: [], outcome: 'allowed', details: expect.objectContaining({ patientRef: 'P-NOBODY', erased: 0 }) });
  });

  it('404 for an unknown token, an erased one, and a string that only shares a stored token\'s key', async () => {
    const [token] = await tokenize([{ type: 'ssn', value: '123-45-6789' }]);
    const unknown = await eraseToken('tok_0000000000000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({ code: 'not_found', status: 404 });
    expect(unknown.text).not.toContain('tok_0000000000000000000000');
    // Same token key (separators fold away), but no SSN token is written with dots.
    expect((await eraseToken(token.replaceAll('-', '.'))).status).toBe(404);
    expect((await detokenize([token])).body.items[0].value).toBe('123-45-6789');
    expect((await eraseToken(token)).status).toBe(200);
    const twice = await eraseToken(token);
    expect(twice.status).toBe(404);
    expect(twice.body.code).toBe('not_found');
  });

  it('401 without a JWT and 403 without vault:admin, before anything is looked up or erased', async () => {
    const [token] = await tokenize([{ type: 'text', value: 'authorization matrix', patientRef: 'P-AUTHZ' }], 'random');
    const eventsBefore = await countRows(vault.database.url, 'audit_events');
    for (const call of [() => vault.http().delete(`/v1/tokens/${token}`).send(REASON), () => vault.http().delete('/v1/patients/P-AUTHZ/tokens').send(REASON)]) {
      const response = await call();
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('unauthenticated');
    }
    const everyOtherScope = await vault.bearer('not-admin', ['service'], ['vault:tokenize', 'vault:detokenize', 'vault:break_glass', 'audit:read', 'audit:review']);
    for (const response of [await eraseToken(token, REASON, everyOtherScope), await erasePatient('P-AUTHZ', REASON, everyOtherScope)]) {
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('forbidden');
    }
    expect((await detokenize([token])).body.items[0].value).toBe('authorization matrix');
    expect(await countRows(vault.database.url, 'audit_events')).toBe(eventsBefore + 1);
  });

  it('422 naming purpose and justification when the body is missing or wrong; 400 for malformed JSON', async () => {
    const [token] = await tokenize([{ type: 'text', value: 'validation target' }], 'random');
    for (const response of [await eraseToken(token, null), await erasePatient('P-000123', null)]) {
      expect(response.status).toBe(422);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('validation_failed');
      expect(response.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['justification', 'purpose']);
    }
    const cases: [object, string][] = [
      [{ ...REASON, purpose: 'curiosity' }, 'purpose'],
      [{ ...REASON, justification: 'too short' }, 'justification'],
      [{ ...REASON, justification: '          ' + ' '.repeat(5) }, 'justification'],
      [{ ...REASON, justification: 'x'.repeat(1001) }, 'justification'],
    ];
    for (const [body, path] of cases) {
      const response = await eraseToken(token, body);
      expect(response.status, path).toBe(422);
      expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual([path]);
      expect(response.text).not.toContain('curiosity');
    }
    const unknownField = await eraseToken(token, { ...REASON, force: true });
    expect(unknownField.status).toBe(422);
    expect(unknownField.body.code).toBe('validation_failed');
    const malformed = await vault.http().delete(`/v1/tokens/${token}`).set('Authorization', admin).set('Content-Type', 'application/json').send('{"purpose":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('malformed_json');
    expect((await detokenize([token])).body.items[0].value).toBe('validation target');
  });

  it('422 for a patientRef tokenize would not store, without echoing it', async () => {
    for (const patientRef of ['P 000123', 'Zoë-Ünïcode']) {
      const response = await erasePatient(patientRef);
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual([{ path: 'patientRef', message: expect.any(String) }]);
      expect(response.text).not.toContain(patientRef);
      expect(response.text).not.toContain(encodeURIComponent(patientRef));
    }
  });

  describe('when the audit log cannot be written', () => {
    const BREAK_AUDIT = `
      CREATE FUNCTION test_audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit storage unavailable (test)'; END $$;
      CREATE TRIGGER test_audit_down BEFORE INSERT ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION test_audit_down()`;
    const REPAIR_AUDIT = 'DROP TRIGGER test_audit_down ON audit_events; DROP FUNCTION test_audit_down()';

    it('answers 503 and erases nothing, for one token and for a patient', async () => {
      const [single, ofPatient] = await tokenize(
        [
          { type: 'text', value: 'kept when the audit fails' },
          { type: 'text', value: 'kept for the patient too', patientRef: 'P-AUDIT-DOWN' },
        ],
        'random',
      );
      await sql(BREAK_AUDIT);
      try {
        for (const response of [await eraseToken(single), await erasePatient('P-AUDIT-DOWN')]) {
          expect(response.status).toBe(503);
          expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(response.body.code).toBe('audit_unavailable');
          expect(response.text).not.toContain('test)');
        }
        const rows = await sql<TokenRow>('SELECT * FROM tokens WHERE token = ANY($1::text[])', [[single, ofPatient]]);
        expect(rows.map((row) => [row.erased_at, row.ciphertext === null])).toEqual([
          [null, false],
          [null, false],
        ]);
      } finally {
        await sql(REPAIR_AUDIT);
      }
      expect((await detokenize([single, ofPatient])).body.items.map((item: { value: string }) => item.value)).toEqual([
        'kept when the audit fails',
        'kept for the patient too',
      ]);
      expect((await eraseToken(single)).status).toBe(200);
      expect((await erasePatient('P-AUDIT-DOWN')).body.erased).toBe(1);
    });
  });
});

describe('erasure body rules', () => {
  const purposes = fc.oneof(fc.constantFrom(...PURPOSES), fc.string({ maxLength: 20 }));
  const justifications = fc.oneof(
    fc.string({ maxLength: 1100 }),
    fc.tuple(fc.string({ unit: fc.constantFrom(' ', '\t', '\n', 'a'), maxLength: 30 }), fc.nat(1005)).map(([text, pad]) => text + ' '.repeat(pad)),
  );

  it('accepts exactly the purposes and justifications detokenize accepts', () => {
    fc.assert(
      fc.property(purposes, justifications, (purpose, justification) => {
        const erasure = ErasureRequestSchema.safeParse({ purpose, justification }).success;
        const detokenize = DetokenizeRequestSchema.safeParse({ tokens: ['tok_0000000000000000000000'], purpose, justification }).success;
        expect(erasure).toBe(detokenize);
      }),
      { numRuns: 500 },
    );
  });
});
