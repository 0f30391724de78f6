import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLS, SEEDED_POLICY, type MatrixContext, type Row, type Target } from '../support/authorization-matrix-calls.js';
import { FIXTURE_VALUES, ROLE_SETS, SCOPE_SETS, UNKNOWN_TOKEN, type Fixture } from '../support/authorization-matrix-fixtures.js';
import { plaintextPattern } from '../support/plaintext-pattern.js';
import { startTestVault, type TestVault } from '../support/vault.js';

/**
 * THE authorization matrix, end to end against the real service: every role set x every scope set x every
 * /v1 endpoint, and for detokenize every token type x restricted/untagged x break-glass x `reveal`. The
 * expectations come from the CONTRACT, written out by hand in test/support/authorization-matrix-*.ts, never
 * from src/. To add an endpoint, add a Call there; every row then also checks that callers without its
 * scopes get a 403 that reveals nothing and changes nothing.
 */
describe('authorization matrix (role x scope x endpoint x type x tag x break-glass x reveal)', () => {
  let vault: TestVault;
  let serial = 0;
  const context: { -readonly [K in keyof MatrixContext]: MatrixContext[K] } = {
    vault: undefined as unknown as TestVault,
    fixtures: [],
    seeded: { eventId: '', jobId: '', policyName: 'matrix-seeded' },
    serial: () => ++serial,
    fresh: (prefix) => `${prefix}-${++serial}`,
    helpers: { ingest: '', reader: '', admin: '', detokenizer: '', actor: '' },
  };

  beforeAll(async () => {
    vault = await startTestVault();
    context.vault = vault;
    context.helpers = {
      ingest: await vault.bearer('matrix-ingest', ['service'], ['vault:tokenize']),
      reader: await vault.bearer('matrix-reader', ['compliance'], ['audit:read']),
      admin: await vault.bearer('matrix-admin', ['admin'], ['vault:admin']),
      detokenizer: await vault.bearer('matrix-checker', ['service'], ['vault:detokenize']),
      actor: await vault.bearer('matrix-actor', ['service'], ['vault:detokenize']),
    };
    const tokenized = await vault
      .http()
      .post('/v1/tokenize')
      .set('Authorization', context.helpers.ingest)
      .send({ items: FIXTURE_VALUES.map((f) => ({ type: f.type, value: f.value, patientRef: 'P-MATRIX', ...(f.restricted ? { tags: ['restricted'] } : {}) })) });
    expect(tokenized.status).toBe(200);
    context.fixtures = FIXTURE_VALUES.map((fixture, index): Fixture => ({ ...fixture, token: tokenized.body.items[index].token }));
    const event = await vault
      .http()
      .post('/v1/detokenize')
      .set('Authorization', context.helpers.actor)
      .send({ tokens: [context.fixtures[0].token], purpose: 'operations', justification: 'Seeding the matrix event' });
    const job = await vault.http().post('/v1/admin/keys/reencrypt').set('Authorization', context.helpers.admin);
    const policy = await vault.http().put(`/v1/policies/${context.seeded.policyName}`).set('Authorization', context.helpers.admin).send(SEEDED_POLICY);
    expect([event.status, job.status, policy.status]).toEqual([200, 202, 201]);
    context.seeded = { ...context.seeded, eventId: event.body.auditId, jobId: job.body.jobId };
  });
  afterAll(async () => {
    await vault?.close();
  });

  const noValueIn = (text: string) => {
    for (const fixture of context.fixtures) expect(text).not.toMatch(plaintextPattern(fixture.value));
  };
  const prepared = async (call: (typeof CALLS)[number]): Promise<Target> => (call.prepare === undefined ? {} : call.prepare(context));

  for (const call of CALLS.filter((c) => c.pending === undefined)) {
    // Rows are independent; a call that is slow by design (see Call.concurrent) runs its rows side by side.
    (call.concurrent ? describe.concurrent : describe)(call.name, () => {
      for (const [roleName, roles] of Object.entries(ROLE_SETS)) {
        for (const [scopeName, scopes] of Object.entries(SCOPE_SETS)) {
          const allowed = call.needs.every((scope) => scopes.includes(scope));
          it(`${roleName} with scopes [${scopeName}] -> ${allowed ? 'allowed' : '403'}`, async () => {
            // One subject per row keeps the rate limit and the break-glass cap out of the matrix.
            const row: Row = { sub: `matrix:${roleName}:${scopeName}`, roles, scopes };
            const target = await prepared(call);
            const response = await call.send(context, await vault.bearer(row.sub, roles, scopes), target);
            if (allowed) {
              await call.expectAllowed(response, context, row, target);
              return;
            }
            expect(response.status).toBe(403);
            expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
            expect(response.body).toMatchObject({ status: 403, code: 'forbidden' });
            noValueIn(response.text);
            await call.afterRefusal?.(context, row, target);
          });
        }
      }
    });
  }

  for (const call of CALLS.filter((c) => c.pending !== undefined)) {
    it.todo(`${call.name}: every row, once ${call.pending} lands (delete its \`pending\` line)`);
  }

  it('without a valid JWT every endpoint is 401, whatever it asks, and changes nothing', async () => {
    const expired = `Bearer ${await vault.signer.mint({ sub: 'matrix-expired', roles: ['service'], scope: SCOPE_SETS.all.join(' ') }, { expiresInSeconds: -120 })}`;
    for (const call of CALLS.filter((c) => c.pending === undefined)) {
      for (const auth of ['', 'Bearer not.a.jwt', expired]) {
        const target = await prepared(call);
        const response = await call.send(context, auth, target);
        expect(response.status, `${call.name} with ${auth.slice(0, 12) || 'no header'}`).toBe(401);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        noValueIn(response.text);
        // Nothing was done; a 401 has no actor, so there is no refusal to audit either.
        if (!call.name.startsWith('POST /v1/detokenize')) await call.afterRefusal?.(context, { sub: 'nobody', roles: [], scopes: [] }, target);
      }
    }
  });

  it('a reviewer may never review an event in which they are the actor (403)', async () => {
    const auth = await vault.bearer('matrix-self-reviewer', ['clinician'], ['vault:detokenize', 'audit:review', 'audit:read']);
    const own = await vault.http().post('/v1/detokenize').set('Authorization', auth).send({ tokens: [context.fixtures[0].token], purpose: 'treatment', justification: 'Reviewing my own access' });
    expect(own.status).toBe(200);
    const review = await vault.http().post(`/v1/audit/events/${own.body.auditId}/review`).set('Authorization', auth).send({ decision: 'approved', note: 'Looks fine to me' });
    expect(review.status).toBe(403);
    expect(review.body).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await vault.http().get(`/v1/audit/events/${own.body.auditId}`).set('Authorization', auth)).body.review).toBeNull();
  });

  it('a caller without the scope cannot tell a held token from an unknown one', async () => {
    // Everything but the per-request id must be the same.
    const withoutRequestId = ({ requestId: _requestId, ...body }: Record<string, unknown>) => body;
    const body = (tokens: string[], breakGlass: boolean) => ({ tokens, purpose: 'emergency', justification: 'Patient arrived unconscious; medication history needed now', breakGlass });
    const held = context.fixtures.find((f) => f.restricted)!.token;
    const auth = await vault.bearer('matrix:prober', ['clinician'], ['audit:read']);
    const probe = async (token: string) => {
      const described = await vault.http().get(`/v1/tokens/${encodeURIComponent(token)}`).set('Authorization', auth);
      const revealed = await vault.http().post('/v1/detokenize').set('Authorization', auth).send(body([token], false));
      return [described.status, withoutRequestId(described.body), revealed.status, withoutRequestId(revealed.body)];
    };
    expect(await probe(held)).toEqual(await probe(UNKNOWN_TOKEN));
    const breakGlassProbe = await vault.bearer('matrix:bg-prober', ['clinician'], ['vault:detokenize']);
    const bg = async (token: string) => {
      const response = await vault.http().post('/v1/detokenize').set('Authorization', breakGlassProbe).send(body([token], true));
      return [response.status, withoutRequestId(response.body)];
    };
    expect(await bg(held)).toEqual(await bg(UNKNOWN_TOKEN));
  });
});
