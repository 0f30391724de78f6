import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.service.js';
import { auditDraft } from '../support/audit-drafts.js';
import { countRows, withSql } from '../support/db-inspect.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const SSN = '219-09-9999';
const NEW_VALUE = 'Hypertension follow-up for a new patient';

/** Makes every insert into audit_events fail, as a full disk or a revoked grant would, in this test's database only. */
const BREAK_AUDIT = `
  CREATE FUNCTION test_audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit storage unavailable (test)'; END $$;
  CREATE TRIGGER test_audit_down BEFORE INSERT ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION test_audit_down()`;
const REPAIR_AUDIT = 'DROP TRIGGER test_audit_down ON audit_events; DROP FUNCTION test_audit_down()';

describe('fail closed: no audit record, no value', () => {
  let vault: TestVault;
  let service: string;
  let token: string;

  beforeAll(async () => {
    // A wide window, so concurrent calls surely share one failing batch.
    vault = await startTestVault({ env: { AUDIT_BATCH_WINDOW_MS: '40' } });
    service = await vault.bearer('svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
    const response = await vault.http().post('/v1/tokenize').set('Authorization', service).send({ items: [{ type: 'ssn', value: SSN }] });
    token = response.body.items[0].token;
  });
  afterAll(async () => {
    await vault?.close();
  });

  const detokenize = () =>
    vault.http().post('/v1/detokenize').set('Authorization', service).send({ tokens: [token], purpose: 'treatment', justification: 'Medication reconciliation' });
  const sql = (script: string) => withSql(vault.database.url, (query) => query(script));

  it('with the audit insert failing, detokenize answers 503 and reveals nothing; tokenize stores nothing', async () => {
    expect((await detokenize()).body.items[0].value).toBe(SSN);
    const tokensBefore = await countRows(vault.database.url, 'tokens');
    const eventsBefore = await countRows(vault.database.url, 'audit_events');
    await sql(BREAK_AUDIT);
    try {
      const refused = await detokenize();
      expect(refused.status).toBe(503);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ code: 'audit_unavailable', status: 503 });
      expect(refused.text).not.toContain(SSN);
      expect(refused.text).not.toContain('219099999');
      expect(refused.text).not.toContain('test)');

      const stored = await vault
        .http()
        .post('/v1/tokenize')
        .set('Authorization', service)
        .send({ items: [{ type: 'text', value: NEW_VALUE }, { type: 'ssn', value: '078-05-1120' }] });
      expect(stored.status).toBe(503);
      expect(stored.body.code).toBe('audit_unavailable');
      expect(stored.text).not.toContain(NEW_VALUE);
      expect(await countRows(vault.database.url, 'tokens')).toBe(tokensBefore);
      expect(await countRows(vault.database.url, 'audit_events')).toBe(eventsBefore);
    } finally {
      await sql(REPAIR_AUDIT);
    }
    expect(vault.logs.join('')).not.toContain(SSN);
    expect(vault.logs.join('')).not.toContain(NEW_VALUE);
  });

  it('every caller waiting on a failed batch gets 503; none gets a value', async () => {
    await sql(BREAK_AUDIT);
    try {
      const responses = await Promise.all(Array.from({ length: 12 }, () => detokenize()));
      expect(responses.map((response) => response.status)).toEqual(Array(12).fill(503));
      for (const response of responses) expect(response.text).not.toContain(SSN);
    } finally {
      await sql(REPAIR_AUDIT);
    }
  });

  it('recovers once the audit log can be written, and the chain has no hole where the failures were', async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, () => detokenize()));
    expect(responses.every((response) => response.status === 200 && response.body.items[0].value === SSN)).toBe(true);
    const auditor = await vault.bearer('compliance', ['compliance'], ['audit:read']);
    const verified = await vault.http().get('/v1/audit/verify').set('Authorization', auditor);
    expect(verified.body).toMatchObject({ valid: true, events: 14 });
  });

  it('refuses, for its caller alone, text the log could not record faithfully (422, nothing revealed)', async () => {
    const [bad, good] = await Promise.all([
      vault
        .http()
        .post('/v1/detokenize')
        .set('Authorization', service)
        .send({ tokens: [token], purpose: 'treatment', justification: 'Medication \u0000 reconciliation' }),
      detokenize(),
    ]);
    expect(bad.status).toBe(422);
    expect(bad.text).not.toContain(SSN);
    expect(good.status).toBe(200);
  });
});

describe('shutdown', () => {
  it('commits the appends waiting in a batch before the database connection closes, and refuses later ones', async () => {
    const database = await createTestDatabase();
    try {
      const vault = await startTestVault({ database, env: { AUDIT_BATCH_WINDOW_MS: '1000' } });
      const audit = vault.app.get(AuditLog);
      const waiting = Promise.all([audit.append([auditDraft()]), audit.append([auditDraft({ action: 'rotate' })])]);
      await vault.app.close();
      const events = await waiting;
      expect(events.map(([event]) => Number(event.seq))).toEqual([1, 2]);
      expect(await countRows(database.url, 'audit_events')).toBe(2);
      await expect(audit.append([auditDraft()])).rejects.toMatchObject({ code: 'audit_unavailable' });
    } finally {
      await database.drop();
    }
  });
});
