import type { Response } from 'supertest';
import { expect } from 'vitest';
import { countRows } from './db-inspect.js';
import { auditRowsOf } from './detokenize-audit.js';
import { plaintextPattern } from './plaintext-pattern.js';
import { expectedLevel, UNKNOWN_TOKEN, type Fixture, type RevealRequest } from './authorization-matrix-fixtures.js';
import type { TestVault } from './vault.js';

/**
 * Every /v1 endpoint as a row of the authorization matrix: the scopes it needs (CONTRACT section 2 and the
 * sections of each endpoint) and what an allowed answer looks like, written out by hand. To cover a new
 * endpoint, add a Call; one that is not built yet carries `pending` (remove that line once it lands).
 */
export interface MatrixContext {
  readonly vault: TestVault;
  readonly fixtures: readonly Fixture[];
  /** Made once in beforeAll: an event, a re-encryption job and a masking policy that read-only calls look at. */
  readonly seeded: { readonly eventId: string; readonly jobId: string; readonly policyName: string };
  /** A number no other row gets, and a name built from one (a policy, a patientRef, a value). */
  serial(): number;
  fresh(prefix: string): string;
  /** Bearer headers of the helper identities that prepare targets and check results. */
  readonly helpers: { readonly ingest: string; readonly reader: string; readonly admin: string; readonly detokenizer: string; readonly actor: string };
}

export interface Row {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
}

/** What `prepare` made for one row: a fresh event to review, a fresh policy to delete, a count to compare. */
export type Target = Readonly<Record<string, string>>;

export interface Call {
  readonly name: string;
  /** All of these are needed; without any of them the answer is 403. */
  readonly needs: readonly string[];
  /** Not built yet (another issue): listed so the matrix covers it once it exists. */
  readonly pending?: string;
  /** Slow by design and independent per row, so its rows may run side by side. */
  readonly concurrent?: true;
  prepare?(context: MatrixContext): Promise<Target>;
  send(context: MatrixContext, auth: string, target: Target): Promise<Response>;
  expectAllowed(response: Response, context: MatrixContext, row: Row, target: Target): Promise<void> | void;
  /** What must still hold after this row's 403: nothing changed, and a detokenize refusal is on record. */
  afterRefusal?(context: MatrixContext, row: Row, target: Target): Promise<void>;
}

const JUSTIFICATION = 'Patient arrived unconscious; medication history needed now';
const ERASURE = { purpose: 'legal', justification: 'Court-ordered erasure of this patient record' };
const EVENT_KEYS = ['action', 'actor', 'at', 'breakGlass', 'id', 'justification', 'outcome', 'purpose', 'review', 'seq', 'tokens'];
const policyPath = (name: string) => `/v1/policies/${encodeURIComponent(name)}`;

const detokenizeAs = (context: MatrixContext, auth: string, tokens: readonly string[]) =>
  context.vault.http().post('/v1/detokenize').set('Authorization', auth).send({ tokens, purpose: 'operations', justification: 'Checking the matrix result' });
const tokenizeTexts = async (context: MatrixContext, values: readonly string[], patientRef?: string): Promise<string[]> => {
  const response = await context.vault
    .http()
    .post('/v1/tokenize')
    .set('Authorization', context.helpers.ingest)
    .send({ items: values.map((value) => ({ type: 'text', value, ...(patientRef === undefined ? {} : { patientRef }) })) });
  expect(response.status).toBe(200);
  return response.body.items.map((item: { token: string }) => item.token);
};
const policyStatus = async (context: MatrixContext, name: string) => (await context.vault.http().get(policyPath(name)).set('Authorization', context.helpers.admin)).status;

/** CONTRACT section 5: `allowed` unless some token was denied; then `partial` if another was revealed, else `denied`. */
function expectedOutcome(levels: readonly string[]): string {
  if (!levels.includes('denied')) return 'allowed';
  return levels.some((level) => level === 'plain' || level === 'masked') ? 'partial' : 'denied';
}

function detokenizeCall(request: RevealRequest): Call {
  const body = (context: MatrixContext) => ({
    tokens: [...context.fixtures.map((f) => f.token), UNKNOWN_TOKEN],
    purpose: request.breakGlass ? 'emergency' : 'treatment',
    justification: JUSTIFICATION,
    breakGlass: request.breakGlass,
    reveal: request.reveal,
  });
  return {
    name: `POST /v1/detokenize${request.breakGlass ? ' (breakGlass)' : ''}${request.reveal === 'masked' ? ' (reveal masked)' : ''}`,
    needs: request.breakGlass ? ['vault:detokenize', 'vault:break_glass'] : ['vault:detokenize'],
    send: (context, auth) => context.vault.http().post('/v1/detokenize').set('Authorization', auth).send(body(context)),
    expectAllowed: async (response, context, row) => {
      expect(response.status).toBe(200);
      const items = response.body.items as { token: string; reveal: string; value?: string }[];
      const levels = context.fixtures.map((fixture, index) => {
        const level = expectedLevel(row.roles, fixture, request);
        const value = level === 'plain' ? { value: fixture.value } : level === 'masked' ? { value: fixture.masked } : {};
        expect(items[index], `${fixture.type}${fixture.restricted ? ' restricted' : ''}`).toEqual({ token: fixture.token, type: fixture.type, reveal: level, ...value });
        if (level !== 'plain') expect(response.text).not.toMatch(plaintextPattern(fixture.value));
        return level;
      });
      expect(items[context.fixtures.length]).toEqual({ token: UNKNOWN_TOKEN, type: null, reveal: 'not_found' });
      const event = (await auditRowsOf(context.vault.database.url, row.sub)).find((e) => e.id === response.body.auditId);
      expect(event).toMatchObject({ outcome: expectedOutcome(levels), break_glass: request.breakGlass, tokens: body(context).tokens });
    },
    // CONTRACT section 5: every call, allowed or not, is written to the audit log.
    afterRefusal: async (context, row) => {
      const events = await auditRowsOf(context.vault.database.url, row.sub);
      expect(events.at(-1)).toMatchObject({ outcome: 'denied', break_glass: request.breakGlass, tokens: body(context).tokens });
    },
  };
}

const DEIDENTIFY_LINE = { name: 'Zebulon Quixote', ssn: '219-09-9999', visit: 'follow-up' };

export const CALLS: readonly Call[] = [
  {
    name: 'POST /v1/tokenize',
    needs: ['vault:tokenize'],
    // A value never tokenized before, so a refused call that stored anything would show in the row count.
    prepare: async (context) => ({ zip: String(10_000 + context.serial()), rows: String(await countRows(context.vault.database.url, 'tokens')) }),
    send: (context, auth, target) => context.vault.http().post('/v1/tokenize').set('Authorization', auth).send({ items: [{ type: 'zip', value: target.zip }] }),
    expectAllowed: (response) => {
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ items: [{ token: expect.stringMatching(/^\d{5}$/), type: 'zip' }] });
    },
    afterRefusal: async (context, _row, target) => expect(String(await countRows(context.vault.database.url, 'tokens'))).toBe(target.rows),
  },
  {
    name: 'GET /v1/tokens/{token}',
    needs: ['vault:tokenize'],
    send: (context, auth) => context.vault.http().get(`/v1/tokens/${encodeURIComponent(restrictedSsn(context).token)}`).set('Authorization', auth),
    expectAllowed: (response, context) => {
      const fixture = restrictedSsn(context);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ token: fixture.token, type: 'ssn', createdAt: expect.any(String), patientRef: 'P-MATRIX', tags: ['restricted'] });
      expect(response.text).not.toMatch(plaintextPattern(fixture.value));
    },
  },
  detokenizeCall({ breakGlass: false, reveal: 'plain' }),
  detokenizeCall({ breakGlass: false, reveal: 'masked' }),
  detokenizeCall({ breakGlass: true, reveal: 'plain' }),
  detokenizeCall({ breakGlass: true, reveal: 'masked' }),
  {
    name: 'POST /v1/detokenize (mode fpe)',
    needs: ['vault:detokenize'],
    prepare: async (context) => {
      const response = await context.vault.http().post('/v1/tokenize').set('Authorization', context.helpers.ingest).send({ mode: 'fpe', items: [{ type: 'ssn', value: '123-45-6789' }] });
      expect(response.status).toBe(200);
      return { token: response.body.items[0].token };
    },
    send: (context, auth, target) =>
      context.vault.http().post('/v1/detokenize').set('Authorization', auth).send({ tokens: [target.token], mode: 'fpe', type: 'ssn', purpose: 'treatment', justification: JUSTIFICATION }),
    expectAllowed: (response, _context, row, target) => {
      const level = expectedLevel(row.roles, { type: 'ssn', restricted: false }, { breakGlass: false, reveal: 'plain' });
      const value = level === 'plain' ? { value: '123-45-6789' } : level === 'masked' ? { value: '***-**-6789' } : {};
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([{ token: target.token, type: 'ssn', reveal: level, ...value }]);
    },
  },
  {
    name: 'POST /v1/deidentify',
    needs: ['vault:tokenize'],
    send: (context, auth) =>
      context.vault.http().post('/v1/deidentify?policy=safe-harbor').set('Authorization', auth).set('Content-Type', 'application/x-ndjson').send(`${JSON.stringify(DEIDENTIFY_LINE)}\n`),
    expectAllowed: (response) => {
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(response.text.split('\n').filter((line) => line !== '')).toHaveLength(1);
      expect(response.text).not.toMatch(plaintextPattern(DEIDENTIFY_LINE.name));
      expect(response.text).not.toMatch(plaintextPattern(DEIDENTIFY_LINE.ssn));
    },
  },
  {
    name: 'GET /v1/audit/events',
    needs: ['audit:read'],
    send: (context, auth) => context.vault.http().get('/v1/audit/events?limit=5').set('Authorization', auth),
    expectAllowed: (response, context) => {
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeGreaterThan(0);
      expect(response.body.items.length).toBeLessThanOrEqual(5);
      expect(typeof response.body.nextCursor === 'string' || response.body.nextCursor === null).toBe(true);
      for (const item of response.body.items) expect(Object.keys(item)).toEqual(expect.arrayContaining(EVENT_KEYS));
      for (const fixture of context.fixtures) expect(response.text).not.toMatch(plaintextPattern(fixture.value));
    },
  },
  {
    name: 'GET /v1/audit/events/{id}',
    needs: ['audit:read'],
    send: (context, auth) => context.vault.http().get(`/v1/audit/events/${context.seeded.eventId}`).set('Authorization', auth),
    expectAllowed: (response, context) => {
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: context.seeded.eventId, action: 'detokenize', tokens: [context.fixtures[0].token] });
      expect(response.text).not.toMatch(plaintextPattern(context.fixtures[0].value));
    },
  },
  {
    name: 'POST /v1/audit/events/{id}/review',
    needs: ['audit:review'],
    // A fresh event per row, by another subject: a decision is final, and nobody may review their own event.
    prepare: async (context) => ({ eventId: (await detokenizeAs(context, context.helpers.actor, [context.fixtures[0].token])).body.auditId }),
    send: (context, auth, target) => context.vault.http().post(`/v1/audit/events/${target.eventId}/review`).set('Authorization', auth).send({ decision: 'approved', note: 'Reviewed for the matrix' }),
    expectAllowed: (response, _context, row, target) => {
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: target.eventId, review: { status: 'approved', reviewer: row.sub, note: 'Reviewed for the matrix' } });
    },
    afterRefusal: async (context, _row, target) => {
      const event = await context.vault.http().get(`/v1/audit/events/${target.eventId}`).set('Authorization', context.helpers.reader);
      expect(event.body.review).toBeNull();
    },
  },
  {
    name: 'GET /v1/audit/verify',
    needs: ['audit:read'],
    send: (context, auth) => context.vault.http().get('/v1/audit/verify').set('Authorization', auth),
    expectAllowed: (response) => {
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ valid: true, events: expect.any(Number), head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    },
  },
  {
    name: 'GET /v1/audit/export',
    needs: ['audit:read'],
    send: (context, auth) => context.vault.http().get('/v1/audit/export').set('Authorization', auth),
    expectAllowed: (response, context) => {
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(response.text.split('\n').filter((line) => line !== '').length).toBeGreaterThan(0);
      for (const fixture of context.fixtures) expect(response.text).not.toMatch(plaintextPattern(fixture.value));
    },
  },
  {
    name: 'POST /v1/admin/keys/rotate',
    needs: ['vault:admin'],
    // It answers once the new key version is active on every instance, seconds after it is stored.
    concurrent: true,
    send: (context, auth) => context.vault.http().post('/v1/admin/keys/rotate').set('Authorization', auth),
    expectAllowed: (response) => {
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ version: expect.any(Number) });
      expect(Number.isInteger(response.body.version)).toBe(true);
    },
  },
  {
    name: 'POST /v1/admin/keys/reencrypt',
    needs: ['vault:admin'],
    send: (context, auth) => context.vault.http().post('/v1/admin/keys/reencrypt').set('Authorization', auth),
    expectAllowed: (response) => {
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ jobId: expect.any(String) });
    },
  },
  {
    name: 'GET /v1/admin/keys',
    needs: ['vault:admin'],
    send: (context, auth) => context.vault.http().get('/v1/admin/keys').set('Authorization', auth),
    expectAllowed: (response) => expect(response.status).toBe(200),
  },
  {
    name: 'GET /v1/admin/jobs/{jobId}',
    needs: ['vault:admin'],
    send: (context, auth) => context.vault.http().get(`/v1/admin/jobs/${context.seeded.jobId}`).set('Authorization', auth),
    expectAllowed: (response) => {
      expect(response.status).toBe(200);
      expect(['running', 'done', 'failed']).toContain(response.body.state);
      expect(response.body).toMatchObject({ done: expect.any(Number), total: expect.any(Number) });
    },
  },
  {
    name: 'GET /v1/policies',
    needs: ['vault:admin'],
    send: (context, auth) => context.vault.http().get('/v1/policies').set('Authorization', auth),
    expectAllowed: (response, context) => {
      expect(response.status).toBe(200);
      expect(response.body.items.map((item: { name: string }) => item.name)).toEqual(expect.arrayContaining(['safe-harbor', context.seeded.policyName]));
    },
  },
  {
    name: 'GET /v1/policies/{name}',
    needs: ['vault:admin'],
    send: (context, auth) => context.vault.http().get(policyPath(context.seeded.policyName)).set('Authorization', auth),
    expectAllowed: (response, context) => {
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ name: context.seeded.policyName, rules: SEEDED_POLICY.rules });
    },
  },
  {
    name: 'PUT /v1/policies/{name}',
    needs: ['vault:admin'],
    prepare: async (context) => ({ name: context.fresh('matrix-put') }),
    send: (context, auth, target) => context.vault.http().put(policyPath(target.name)).set('Authorization', auth).send(SEEDED_POLICY),
    expectAllowed: async (response, context, _row, target) => {
      expect([200, 201]).toContain(response.status);
      expect(response.body).toMatchObject({ name: target.name, rules: SEEDED_POLICY.rules });
      expect(await policyStatus(context, target.name)).toBe(200);
    },
    afterRefusal: async (context, _row, target) => expect(await policyStatus(context, target.name)).toBe(404),
  },
  {
    name: 'DELETE /v1/policies/{name}',
    needs: ['vault:admin'],
    prepare: async (context) => {
      const name = context.fresh('matrix-delete');
      expect((await context.vault.http().put(policyPath(name)).set('Authorization', context.helpers.admin).send(SEEDED_POLICY)).status).toBe(201);
      return { name };
    },
    send: (context, auth, target) => context.vault.http().delete(policyPath(target.name)).set('Authorization', auth),
    expectAllowed: async (response, context, _row, target) => {
      expect(response.status).toBeGreaterThanOrEqual(200);
      expect(response.status).toBeLessThan(300);
      expect(await policyStatus(context, target.name)).toBe(404);
    },
    afterRefusal: async (context, _row, target) => expect(await policyStatus(context, target.name)).toBe(200),
  },
  {
    name: 'DELETE /v1/tokens/{token}',
    needs: ['vault:admin'],
    prepare: async (context) => {
      const value = `Erase me ${context.fresh('token')}`;
      const [token] = await tokenizeTexts(context, [value]);
      return { token, value };
    },
    send: (context, auth, target) => context.vault.http().delete(`/v1/tokens/${encodeURIComponent(target.token)}`).set('Authorization', auth).send(ERASURE),
    expectAllowed: async (response, context, _row, target) => {
      expect(response.status).toBe(200);
      expect(response.text).not.toMatch(plaintextPattern(target.value));
      expect((await detokenizeAs(context, context.helpers.detokenizer, [target.token])).body.items[0].reveal).toBe('not_found');
    },
    afterRefusal: async (context, _row, target) =>
      expect((await detokenizeAs(context, context.helpers.detokenizer, [target.token])).body.items[0]).toMatchObject({ reveal: 'plain', value: target.value }),
  },
  {
    name: 'DELETE /v1/patients/{patientRef}/tokens',
    needs: ['vault:admin'],
    prepare: async (context) => {
      const patientRef = context.fresh('P-ERASE');
      // Values of this row only: a deterministic re-tokenize would answer an earlier row's tokens, of another patient.
      const tokens = await tokenizeTexts(context, [`First note of ${patientRef}`, `Second note of ${patientRef}`], patientRef);
      return { patientRef, tokens: tokens.join(' ') };
    },
    send: (context, auth, target) => context.vault.http().delete(`/v1/patients/${encodeURIComponent(target.patientRef)}/tokens`).set('Authorization', auth).send(ERASURE),
    expectAllowed: async (response, context, _row, target) => {
      expect(response.status).toBe(200);
      const items = (await detokenizeAs(context, context.helpers.detokenizer, target.tokens.split(' '))).body.items;
      expect(items.map((item: { reveal: string }) => item.reveal)).toEqual(['not_found', 'not_found']);
    },
    afterRefusal: async (context, _row, target) => {
      const items = (await detokenizeAs(context, context.helpers.detokenizer, target.tokens.split(' '))).body.items;
      expect(items.map((item: { reveal: string }) => item.reveal)).toEqual(['plain', 'plain']);
    },
  },
];

/** The masking policy the matrix stores and reads (CONTRACT section 9's format). */
export const SEEDED_POLICY = { rules: [{ path: '$.SSN', action: 'redact' }] };

function restrictedSsn(context: MatrixContext): Fixture {
  const fixture = context.fixtures.find((f) => f.type === 'ssn' && f.restricted);
  if (fixture === undefined) throw new Error('the matrix needs a restricted ssn fixture');
  return fixture;
}
