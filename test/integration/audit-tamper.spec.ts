import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.service.js';
import { auditDraft } from '../support/audit-drafts.js';
import { withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

type Query = <Row>(sql: string, params?: unknown[]) => Promise<Row[]>;

describe('audit log immutability and tamper evidence', () => {
  let vault: TestVault;
  let auditor: string;
  let exportedHead: string;
  let firstEventId: string;

  beforeAll(async () => {
    vault = await startTestVault();
    auditor = await vault.bearer('compliance-ann', ['compliance'], ['audit:read', 'audit:review']);
    const audit = vault.app.get(AuditLog);
    for (let index = 1; index <= 10; index += 1) {
      const [event] = await audit.append([auditDraft({ justification: `reconciliation batch ${index}`, breakGlass: index === 1 })]);
      if (index === 1) firstEventId = event.id;
    }
    const review = await vault.http().post(`/v1/audit/events/${firstEventId}/review`).set('Authorization', auditor).send({ decision: 'approved', note: 'ok' });
    expect(review.status).toBe(200);
    const verified = await verify();
    expect(verified).toMatchObject({ valid: true, events: 10 });
    exportedHead = verified.head;
    // A pristine copy, to undo each scenario's tampering afterwards.
    await withSql(vault.database.url, (query) => query('CREATE TABLE audit_pristine AS SELECT * FROM audit_events'));
  });
  afterAll(async () => {
    await vault?.close();
  });

  const verify = async (query: Record<string, string> = {}) => {
    const response = await vault.http().get('/v1/audit/verify').query(query).set('Authorization', auditor);
    expect(response.status).toBe(200);
    return response.body;
  };

  /** What an operator with superuser rights can do: lift the trigger and edit the table directly. */
  const tamper = (sql: string) =>
    withSql(vault.database.url, async (query: Query) => {
      await query('ALTER TABLE audit_events DISABLE TRIGGER ALL');
      try {
        for (const statement of sql.split(';').filter((s) => s.trim() !== '')) await query(statement);
      } finally {
        await query('ALTER TABLE audit_events ENABLE TRIGGER ALL');
      }
    });

  describe('the table refuses changes', () => {
    it.each([
      ["UPDATE audit_events SET justification = 'nothing to see' WHERE seq = 3", /audit_events is append-only: UPDATE is refused/],
      ['DELETE FROM audit_events WHERE seq = 3', /audit_events is append-only: DELETE is refused/],
      ['TRUNCATE audit_events CASCADE', /audit_events is append-only: TRUNCATE is refused/],
      ["UPDATE audit_reviews SET status = 'violation'", /audit_reviews is append-only: UPDATE is refused/],
      ['DELETE FROM audit_reviews', /audit_reviews is append-only: DELETE is refused/],
      ['TRUNCATE audit_reviews', /audit_reviews is append-only: TRUNCATE is refused/],
    ])('%s fails, even as superuser', async (sql, message) => {
      await expect(withSql(vault.database.url, (query) => query(sql))).rejects.toThrow(message);
      expect(await verify()).toMatchObject({ valid: true, events: 10, head: exportedHead });
      const review = await vault.http().get(`/v1/audit/events/${firstEventId}`).set('Authorization', auditor);
      expect(review.body.review).toMatchObject({ status: 'approved', reviewer: 'compliance-ann' }); // the decision is still there
    });
  });

  describe('verify names the first broken seq of a table edited with its trigger disabled', () => {
    afterEach(async () => {
      await tamper('DELETE FROM audit_events; INSERT INTO audit_events SELECT * FROM audit_pristine');
      expect(await verify()).toMatchObject({ valid: true, events: 10, head: exportedHead });
    });

    it('an edited event', async () => {
      await tamper("UPDATE audit_events SET justification = 'routine check' WHERE seq = 4");
      expect(await verify()).toMatchObject({ valid: false, brokenAt: 4, reason: 'hash_mismatch' });
    });

    it('an edited actor array or details', async () => {
      await tamper(`UPDATE audit_events SET actor_roles = ARRAY['auditor'] WHERE seq = 6`);
      expect(await verify()).toMatchObject({ valid: false, brokenAt: 6, reason: 'hash_mismatch' });
    });

    it('a removed event', async () => {
      await tamper('DELETE FROM audit_events WHERE seq = 5');
      expect(await verify()).toMatchObject({ valid: false, brokenAt: 5, reason: 'seq_gap', detail: expect.stringContaining('removed') });
    });

    it('a removed event with the later ones renumbered', async () => {
      await tamper('DELETE FROM audit_events WHERE seq = 5; UPDATE audit_events SET seq = seq - 1 WHERE seq > 5');
      expect(await verify()).toMatchObject({ valid: false, brokenAt: 5, reason: 'prev_hash_mismatch' });
    });

    it('two events swapped', async () => {
      await tamper('UPDATE audit_events SET seq = -1 WHERE seq = 7; UPDATE audit_events SET seq = 7 WHERE seq = 8; UPDATE audit_events SET seq = 8 WHERE seq = -1');
      expect(await verify()).toMatchObject({ valid: false, brokenAt: 7, reason: 'prev_hash_mismatch' });
    });

    it('a removed tail: invisible on its own, caught by the head exported before', async () => {
      await tamper('DELETE FROM audit_events WHERE seq >= 9');
      expect(await verify()).toMatchObject({ valid: true, events: 8 });
      expect(await verify({ head: exportedHead, events: '10' })).toMatchObject({ valid: false, brokenAt: 9, reason: 'truncated' });
    });

    it('a stored hash overwritten', async () => {
      await tamper("UPDATE audit_events SET hash = decode(repeat('00', 32), 'hex') WHERE seq = 10");
      expect(await verify()).toMatchObject({ valid: false, brokenAt: 10, reason: 'hash_mismatch' });
    });
  });

  it('the events and their review are still served after all of that', async () => {
    const response = await vault.http().get(`/v1/audit/events/${firstEventId}`).set('Authorization', auditor);
    expect(response.body).toMatchObject({ seq: 1, breakGlass: true, review: { status: 'approved', reviewer: 'compliance-ann' } });
  });
});
