import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRowsOf } from '../support/detokenize-audit.js';
import { createSigner } from '../support/jwt.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestVault, type TestVault } from '../support/vault.js';

/** Every type and layout with its masked form per CONTRACT section 5, written out by hand. */
const MASKED = [
  { type: 'ssn', value: '123-45-6789', masked: '***-**-6789' },
  { type: 'ssn', value: '987654321', masked: '*****4321' },
  { type: 'phone', value: '(617) 555-0142', masked: '(***) ***-0142' },
  { type: 'phone', value: '+16175550142', masked: '+*******0142' },
  { type: 'email', value: 'Carolee.Wisoky@example.com', masked: '*******.******@******e.com' },
  { type: 'date', value: '1987-06-05', masked: '****-06-05' },
  { type: 'date', value: '02/29/2000', masked: '**/**/2000' },
  { type: 'name', value: "Mary-Ann O'Neil", masked: "****-*** *'Neil" },
  { type: 'name', value: 'José Martínez', masked: '**** ****ínez' },
  { type: 'zip', value: '02139-4307', masked: '*****-4307' },
  { type: 'mrn', value: 'MRN-000123', masked: '***-**0123' },
  { type: 'pan', value: '4111 1111 1111 1111', masked: '**** **** **** 1111' },
  { type: 'pan', value: '5555-5555-5555-4444', masked: '****-****-****-4444' },
  { type: 'text', value: 'Chest pain since Tuesday.', masked: '***** **** ***** ***sday.' },
] as const;

const JUSTIFICATION = 'Reconciling insurance eligibility for today\'s visit';

describe('reveal policy end to end', () => {
  const signer = createSigner();
  let database: TestDatabase;
  let vault: TestVault;
  let custom: TestVault;
  let tokens: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    vault = await startTestVault({ database, signer });
    const dir = mkdtempSync(join(tmpdir(), 'phi-vault-policy-e2e-'));
    const policyFile = join(dir, 'policy.json');
    writeFileSync(
      policyFile,
      JSON.stringify({
        version: 1,
        tags: { restricted: 'denied' },
        roles: {
          nurse: { default: 'masked', types: { date: 'plain', name: 'plain' }, tags: { vip: 'denied' } },
          researcher: { types: { zip: 'masked' } },
        },
      }),
    );
    custom = await startTestVault({ database, signer, env: { VAULT_MASTER_KEY: vault.env.VAULT_MASTER_KEY, VAULT_POLICY_FILE: policyFile } });
    const ingest = await vault.bearer('policy-ingest', ['service'], ['vault:tokenize']);
    const response = await vault.http().post('/v1/tokenize').set('Authorization', ingest).send({ items: MASKED.map(({ type, value }) => ({ type, value })) });
    expect(response.status).toBe(200);
    tokens = response.body.items.map((item: { token: string }) => item.token);
  });
  afterAll(async () => {
    await Promise.all([vault?.close(), custom?.close()]);
    await database?.drop();
  });

  const detokenize = async (target: TestVault, sub: string, roles: string[], list: string[], extra: Record<string, unknown> = {}) =>
    target
      .http()
      .post('/v1/detokenize')
      .set('Authorization', await target.bearer(sub, roles, ['vault:detokenize']))
      .send({ tokens: list, purpose: 'payment', justification: JUSTIFICATION, ...extra });

  it('masks every type as CONTRACT section 5 says: letters and digits but the last four, separators kept', async () => {
    const response = await detokenize(vault, 'support-1', ['support'], tokens);
    expect(response.status).toBe(200);
    response.body.items.forEach((item: { reveal: string; value: string }, index: number) => {
      expect(item, MASKED[index].value).toMatchObject({ reveal: 'masked', value: MASKED[index].masked });
      expect(response.text).not.toContain(MASKED[index].value);
    });
  });

  it('reveal "masked" gets less than allowed; never more (plain stays masked where the policy says masked)', async () => {
    const service = await detokenize(vault, 'svc-1', ['service'], tokens.slice(0, 3), { reveal: 'masked' });
    expect(service.body.items.map((i: { reveal: string; value: string }) => [i.reveal, i.value])).toEqual(MASKED.slice(0, 3).map((m) => ['masked', m.masked]));
    const clinician = await detokenize(vault, 'clin-1', ['clinician'], [tokens[0], tokens[5]], { reveal: 'plain' });
    expect(clinician.body.items.map((i: { reveal: string }) => i.reveal)).toEqual(['masked', 'plain']);
    const compliance = await detokenize(vault, 'comp-1', ['compliance'], [tokens[5]], { reveal: 'masked' });
    expect(compliance.body.items[0]).toEqual({ token: tokens[5], type: 'date', reveal: 'denied' });
    const invalid = await detokenize(vault, 'svc-1', ['service'], [tokens[0]], { reveal: 'everything' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([{ path: 'reveal', message: 'must be one of "plain", "masked"' }]);
  });

  it('purpose and justification travel into the audit event, with the outcome', async () => {
    await detokenize(vault, 'clin-2', ['clinician'], [tokens[5], tokens[0]]);
    await detokenize(vault, 'comp-2', ['compliance'], [tokens[5]], { purpose: 'legal' });
    const [clinician] = await auditRowsOf(database.url, 'clin-2');
    expect(clinician).toMatchObject({ purpose: 'payment', justification: JUSTIFICATION, outcome: 'allowed', details: { reveals: { plain: 1, masked: 1, denied: 0, not_found: 0 } } });
    const [compliance] = await auditRowsOf(database.url, 'comp-2');
    expect(compliance).toMatchObject({ purpose: 'legal', outcome: 'denied' });
  });

  it('a justification of only spaces is refused', async () => {
    const response = await detokenize(vault, 'clin-3', ['clinician'], [tokens[0]], { justification: ' '.repeat(20) });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([{ path: 'justification', message: 'must be at least 10 characters besides spaces' }]);
  });

  it('VAULT_POLICY_FILE replaces the default policy', async () => {
    const nurse = await detokenize(custom, 'nurse-1', ['nurse'], [tokens[5], tokens[7], tokens[0], tokens[9]]);
    expect(nurse.body.items.map((i: { reveal: string; value?: string }) => [i.reveal, i.value])).toEqual([
      ['plain', '1987-06-05'],
      ['plain', "Mary-Ann O'Neil"],
      ['masked', '***-**-6789'],
      ['masked', '*****-4307'],
    ]);
    const researcher = await detokenize(custom, 'res-1', ['researcher'], [tokens[9], tokens[5]]);
    expect(researcher.body.items.map((i: { reveal: string }) => i.reveal)).toEqual(['masked', 'denied']);
    // The default policy's roles mean nothing to this policy: unknown roles are denied.
    const clinician = await detokenize(custom, 'clin-4', ['clinician'], [tokens[5]]);
    expect(clinician.body.items[0].reveal).toBe('denied');
  });
});
