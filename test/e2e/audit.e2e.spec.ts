import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.service.js';
import { auditDraft } from '../support/audit-drafts.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const SSN = '123-45-6789';
// The contract's fields, plus `details` (an extension: counts, levels, references and codes, never a value).
const EVENT_KEYS = ['action', 'actor', 'at', 'breakGlass', 'details', 'id', 'justification', 'outcome', 'purpose', 'review', 'seq', 'tokens'];

interface EventView {
  id: string;
  seq: number;
  at: string;
  actor: { sub: string; roles: string[]; clientId: string | null };
  action: string;
  purpose: string | null;
  breakGlass: boolean;
  tokens: string[];
  outcome: string;
  review: { status: string; reviewer: string | null; note: string | null; at: string | null } | null;
}

describe('audit API', () => {
  let vault: TestVault;
  let service: string;
  let doctor: string;
  let auditor: string;
  let readOnly: string;
  let token: string;
  let breakGlassEventId: string;
  let plainDetokenizeEventId: string;
  let seededAt: { before: string; after: string };

  beforeAll(async () => {
    vault = await startTestVault();
    service = await vault.bearer('svc-ingest', ['service'], ['vault:tokenize', 'vault:detokenize']);
    doctor = await vault.bearer('dr-house', ['clinician'], ['vault:detokenize', 'vault:break_glass', 'audit:review']);
    auditor = await vault.bearer('compliance-ann', ['compliance'], ['audit:read', 'audit:review']);
    readOnly = await vault.bearer('compliance-bob', ['compliance'], ['audit:read']);

    const tokenized = await vault.http().post('/v1/tokenize').set('Authorization', service).send({ items: [{ type: 'ssn', value: SSN }] });
    expect(tokenized.status).toBe(200);
    token = tokenized.body.items[0].token;
    // The same token in another rendering (no dashes): the token filter must find both.
    const revealed = await vault
      .http()
      .post('/v1/detokenize')
      .set('Authorization', service)
      .send({ tokens: [token.replaceAll('-', '')], purpose: 'payment', justification: 'Claim reconciliation for visit' });
    expect(revealed.status).toBe(200);
    plainDetokenizeEventId = revealed.body.auditId;
    const broken = await vault.http().post('/v1/detokenize').set('Authorization', doctor).send({
      tokens: [token],
      purpose: 'emergency',
      justification: 'Unconscious patient in the emergency department, identity needed now',
      breakGlass: true,
    });
    expect(broken.status).toBe(200);
    breakGlassEventId = broken.body.auditId;

    seededAt = { before: new Date().toISOString(), after: '' };
    const audit = vault.app.get(AuditLog);
    // Concurrent appends: they are group-committed, and each caller still gets its own event back.
    const appended = await Promise.all([
      audit.append([auditDraft({ actor: { sub: 'key-admin', roles: ['admin'], clientId: 'ops-cli' }, action: 'rotate', purpose: null, justification: null })]),
      audit.append([auditDraft({ actor: { sub: 'key-admin', roles: ['admin'], clientId: 'ops-cli' }, action: 'delete', purpose: 'legal', outcome: 'allowed' })]),
      ...Array.from({ length: 60 }, (_, index) => audit.append([auditDraft({ purpose: index % 2 === 0 ? 'research' : 'operations', outcome: 'denied' })])),
    ]);
    expect(new Set(appended.map(([event]) => event.id)).size).toBe(62);
    seededAt.after = new Date(Date.now() + 1).toISOString();
  });
  afterAll(async () => {
    await vault?.close();
  });

  const list = (query: Record<string, string> = {}, auth = auditor) => vault.http().get('/v1/audit/events').query(query).set('Authorization', auth);
  const review = (id: string, body: unknown, auth = auditor) => vault.http().post(`/v1/audit/events/${id}/review`).set('Authorization', auth).send(body as object);

  async function listAll(query: Record<string, string>): Promise<EventView[]> {
    const items: EventView[] = [];
    let cursor: string | null = null;
    do {
      const page = await list({ ...query, ...(cursor === null ? {} : { cursor }) });
      expect(page.status).toBe(200);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    return items;
  }

  it('lists newest first, each event exactly in the contract shape, holding tokens and never values', async () => {
    const response = await list();
    expect(response.status).toBe(200);
    const items: EventView[] = response.body.items;
    expect(items).toHaveLength(65);
    expect(response.body.nextCursor).toBeNull();
    expect(items.map((item) => item.seq)).toEqual(Array.from({ length: 65 }, (_, index) => 65 - index));
    for (const item of items) expect(Object.keys(item).sort()).toEqual(EVENT_KEYS);
    const detokenized = items.find((item) => item.id === plainDetokenizeEventId)!;
    expect(detokenized).toMatchObject({
      seq: 2,
      actor: { sub: 'svc-ingest', roles: ['service'], clientId: null },
      action: 'detokenize',
      purpose: 'payment',
      justification: 'Claim reconciliation for visit',
      breakGlass: false,
      tokens: [token.replaceAll('-', '')],
      outcome: 'allowed',
      review: null,
    });
    expect(new Date(detokenized.at).toISOString()).toBe(detokenized.at);
    expect(items.find((item) => item.id === breakGlassEventId)!.review).toEqual({ status: 'pending', reviewer: null, note: null, at: null });
    expect(response.text).not.toContain(SSN);
    expect(response.text).not.toContain(SSN.replaceAll('-', ''));
  });

  it('filters by actor, action (every action of the contract), purpose and outcome-bearing combinations', async () => {
    expect((await listAll({ actor: 'dr-house' })).map((e) => e.id)).toEqual([breakGlassEventId]);
    expect((await listAll({ action: 'tokenize' })).map((e) => e.seq)).toEqual([1]);
    expect(await listAll({ action: 'detokenize' })).toHaveLength(62);
    expect((await listAll({ action: 'rotate' })).map((e) => e.actor.clientId)).toEqual(['ops-cli']);
    expect((await listAll({ action: 'delete' })).map((e) => e.purpose)).toEqual(['legal']);
    expect(await listAll({ purpose: 'research' })).toHaveLength(30);
    expect(await listAll({ purpose: 'research', actor: 'svc-test', action: 'detokenize' })).toHaveLength(30);
    expect(await listAll({ purpose: 'research', actor: 'nobody' })).toHaveLength(0);
    expect(await listAll({ action: 'erase' })).toHaveLength(0);
  });

  it('filters break-glass events and by review state', async () => {
    expect((await listAll({ breakGlass: 'true' })).map((e) => e.id)).toEqual([breakGlassEventId]);
    expect(await listAll({ breakGlass: 'false' })).toHaveLength(64);
    expect((await listAll({ review: 'pending' })).map((e) => e.id)).toEqual([breakGlassEventId]);
    expect(await listAll({ review: 'approved' })).toHaveLength(0);
  });

  it('finds every event that touched a token, whatever rendering is asked for', async () => {
    const dashed = await listAll({ token });
    const undashed = await listAll({ token: token.replaceAll('-', '') });
    expect(dashed.map((e) => e.seq)).toEqual([3, 2, 1]);
    expect(undashed.map((e) => e.seq)).toEqual([3, 2, 1]);
    expect(await listAll({ token: '000-00-0000' })).toHaveLength(0);
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    const seeded = await listAll({ from: seededAt.before, to: seededAt.after });
    expect(seeded).toHaveLength(62);
    expect(await listAll({ to: seededAt.before })).toHaveLength(3);
    expect(await listAll({ from: seededAt.after })).toHaveLength(0);
    expect(await listAll({ from: '2000-01-01' })).toHaveLength(65);
  });

  it('pages with an opaque cursor: every event exactly once, in order, for any page size', async () => {
    for (const limit of ['1', '7', '64', '65', '500']) {
      const walked = await listAll({ limit });
      expect(walked.map((e) => e.seq), `limit ${limit}`).toEqual(Array.from({ length: 65 }, (_, index) => 65 - index));
    }
    const filtered = await listAll({ limit: '4', purpose: 'operations' });
    expect(filtered).toHaveLength(30);
    expect(new Set(filtered.map((e) => e.id)).size).toBe(30);
    const first = await list({ limit: '10' });
    expect(first.body.items).toHaveLength(10);
    expect(typeof first.body.nextCursor).toBe('string');
    expect(first.body.nextCursor).not.toMatch(/^\d+$/);
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '501' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ cursor: 'not-a-cursor' }, 'cursor'],
    [{ action: 'Erase!' }, 'action'],
    [{ purpose: 'curiosity' }, 'purpose'],
    [{ review: 'maybe' }, 'review'],
    [{ breakGlass: 'yes' }, 'breakGlass'],
    [{ from: 'yesterday' }, 'from'],
    [{ from: '2026-01-01T10:00:00' }, 'from'],
    [{ from: '2026-02-01', to: '2026-01-01' }, 'to'],
  ])('refuses a malformed query %j with 422 naming %s', async (query, path) => {
    const response = await list(query as Record<string, string>);
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it('refuses an unknown (misspelt) filter with 422 instead of widening the answer, without echoing its name', async () => {
    const response = await list({ actr: 'dr-house' });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors.length).toBeGreaterThan(0);
    expect(response.text).not.toContain('actr');
    expect(response.text).not.toContain('dr-house');
  });

  it('gets one event by id; an unknown id is 404', async () => {
    const found = await vault.http().get(`/v1/audit/events/${breakGlassEventId}`).set('Authorization', readOnly);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: breakGlassEventId, breakGlass: true, review: { status: 'pending' } });
    expect((await vault.http().get(`/v1/audit/events/${randomUUID()}`).set('Authorization', readOnly)).status).toBe(404);
  });

  describe('review', () => {
    it('refuses the actor of an event as its reviewer (403), even with the review scope', async () => {
      const response = await review(breakGlassEventId, { decision: 'approved', note: 'Looks fine to me' }, doctor);
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('forbidden');
      expect((await list({ review: 'pending' })).body.items.map((e: EventView) => e.id)).toEqual([breakGlassEventId]);
    });

    it('needs the audit:review scope (403)', async () => {
      const response = await review(breakGlassEventId, { decision: 'approved', note: 'ok' }, readOnly);
      expect(response.status).toBe(403);
    });

    it.each([
      [{ decision: 'maybe', note: 'unsure' }, 'decision'],
      [{ decision: 'approved' }, 'note'],
      [{ decision: 'approved', note: '   ' }, 'note'],
      [{ decision: 'approved', note: 'x'.repeat(2001) }, 'note'],
    ])('refuses a malformed review %j with 422 naming %s', async (body, path) => {
      const response = await review(breakGlassEventId, body);
      expect(response.status).toBe(422);
      expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    });

    it('refuses a review with an unknown member (422), without echoing its name', async () => {
      const response = await review(breakGlassEventId, { decision: 'approved', note: 'fine', overrideStatus: 'approved' });
      expect(response.status).toBe(422);
      expect(response.body.errors.length).toBeGreaterThan(0);
      expect(response.text).not.toContain('overrideStatus');
    });

    it('answers 404 for an unknown or malformed event id', async () => {
      expect((await review(randomUUID(), { decision: 'approved', note: 'fine' })).status).toBe(404);
      expect((await review('12345', { decision: 'approved', note: 'fine' })).status).toBe(404);
    });

    it('records a decision once: the event leaves the pending queue, and a second review is 409', async () => {
      const response = await review(breakGlassEventId, { decision: 'approved', note: 'Verified with the ED charge nurse' });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: breakGlassEventId,
        review: { status: 'approved', reviewer: 'compliance-ann', note: 'Verified with the ED charge nurse', at: expect.any(String) },
      });
      expect(await listAll({ review: 'pending' })).toHaveLength(0);
      expect((await listAll({ review: 'approved' })).map((e) => e.id)).toEqual([breakGlassEventId]);
      const again = await review(breakGlassEventId, { decision: 'violation', note: 'Changed my mind' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('conflict');
      expect((await vault.http().get(`/v1/audit/events/${breakGlassEventId}`).set('Authorization', auditor)).body.review.status).toBe('approved');
    });

    it('may flag any event, not only break-glass ones, and the flag does not touch the chain', async () => {
      const response = await review(plainDetokenizeEventId, { decision: 'violation', note: 'Payment purpose without an open claim' });
      expect(response.status).toBe(200);
      expect((await listAll({ review: 'violation' })).map((e) => e.id)).toEqual([plainDetokenizeEventId]);
      const verified = await vault.http().get('/v1/audit/verify').set('Authorization', auditor);
      expect(verified.body).toMatchObject({ valid: true, events: 65 });
    });
  });

  describe('authorization', () => {
    it.each([
      ['get', '/v1/audit/events', 'audit:read'],
      ['get', '/v1/audit/verify', 'audit:read'],
      ['get', '/v1/audit/export', 'audit:read'],
      ['post', '/v1/audit/events/00000000-0000-4000-8000-000000000000/review', 'audit:review'],
    ] as const)('%s %s: 401 without a JWT, 403 without %s', async (method, path, scope) => {
      const anonymous = await vault.http()[method](path);
      expect(anonymous.status).toBe(401);
      const others = ['vault:tokenize', 'vault:detokenize', 'vault:break_glass', 'vault:admin', 'audit:read', 'audit:review'].filter((s) => s !== scope);
      const wrong = await vault.http()[method](path).set('Authorization', await vault.bearer('eve', ['compliance', 'service'], others)).send({});
      expect(wrong.status).toBe(403);
      expect(wrong.body.code).toBe('forbidden');
    });
  });
});
