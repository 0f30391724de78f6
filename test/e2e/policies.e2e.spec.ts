import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

describe('masking policies API', () => {
  let vault: TestVault;
  let admin: string;
  let etl: string;

  beforeAll(async () => {
    vault = await startTestVault();
    admin = await vault.bearer('policy-admin', ['admin'], ['vault:admin']);
    etl = await vault.bearer('etl-job', ['service'], ['vault:tokenize']);
  });
  afterAll(async () => {
    await vault?.close();
  });

  const put = (name: string, body: unknown, auth = admin) => vault.http().put(`/v1/policies/${name}`).set('Authorization', auth).send(body as object);
  const get = (path: string, auth = admin) => vault.http().get(`/v1/policies${path}`).set('Authorization', auth);
  const v1 = { description: 'Research extract', rules: [{ path: '$.SSN', action: 'tokenize', type: 'ssn' }, { path: '$.BIRTHDATE', action: 'generalize', to: 'year' }] };
  const v2 = { rules: [{ path: '$.SSN', action: 'redact' }] };

  it('stores versions: 201 for the first, 200 after; GET answers the latest or the version asked for', async () => {
    const first = await put('research', v1);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'research', version: 1, builtIn: false, createdBy: 'policy-admin', ...v1 });
    expect(Date.parse(first.body.createdAt)).not.toBeNaN();
    const second = await put('research', v2);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ name: 'research', version: 2, rules: v2.rules });
    expect((await get('/research')).body).toMatchObject({ version: 2, rules: v2.rules });
    expect((await get('/research?version=1')).body).toMatchObject({ version: 1, rules: v1.rules });
    expect((await get('/research?version=3')).status).toBe(404);
    expect((await get('/research?version=0')).status).toBe(422);
  });

  it('lists every policy with its latest version, the built-in safe-harbor included', async () => {
    await put('listed', v2);
    const response = await get('');
    expect(response.status).toBe(200);
    const names = response.body.items.map((item: { name: string }) => item.name);
    expect(names).toEqual([...names].sort());
    expect(response.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'safe-harbor', version: 2, builtIn: true, updatedAt: expect.any(String), rules: expect.any(Number) }),
        expect.objectContaining({ name: 'listed', version: 1, builtIn: false }),
      ]),
    );
  });

  it('the built-in safe-harbor documents itself and is read-only (409)', async () => {
    const builtIn = await get('/safe-harbor');
    expect(builtIn.status).toBe(200);
    expect(builtIn.body).toMatchObject({ name: 'safe-harbor', version: 2, builtIn: true, fieldNames: 'normalized' });
    expect(builtIn.body.description).toContain('164.514');
    expect(builtIn.body.rules.length).toBeGreaterThan(100);
    const overwrite = await put('safe-harbor', v2);
    expect(overwrite.status).toBe(409);
    expect(overwrite.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await vault.http().delete('/v1/policies/safe-harbor').set('Authorization', admin)).status).toBe(409);
    // A copy under another name is an ordinary policy.
    const { description, fieldNames, rules } = builtIn.body;
    expect((await put('safe-harbor-copy', { description, fieldNames, rules })).status).toBe(201);
  });

  it('rejects a bad policy with 422 naming the rule, and stores nothing', async () => {
    const response = await put('broken', { rules: [{ path: '$.a', action: 'keep' }, { path: '$.b', action: 'tokenize', type: 'dna' }, { path: 'Patient.nme!', action: 'redact' }, { path: '$.c', action: 'obliterate' }] });
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual(['rules[1].type', 'rules[3].action']);
    const pathError = await put('broken', { rules: [{ path: 'Patient.nme!', action: 'redact' }] });
    expect(pathError.body.errors).toEqual([{ path: 'rules[0].path', message: expect.any(String) }]);
    expect((await put('Bad Name', v2)).status).toBe(422);
    // Element names are checked against FHIR R4.
    const unknownElement = await put('broken', { rules: [{ path: 'Patient.name', action: 'redact' }, { path: 'Patient.nmae', action: 'redact' }, { path: 'Observation.foo.bar', action: 'keep' }] });
    expect(unknownElement.status).toBe(422);
    expect(unknownElement.body.errors).toEqual([
      { path: 'rules[1].path', message: expect.stringContaining('no element of Patient') },
      { path: 'rules[2].path', message: expect.stringContaining('no element of Observation') },
    ]);
    expect((await get('/broken')).status).toBe(404);
  });

  it('DELETE removes every version; the numbers are never given out again', async () => {
    await put('short-lived', v1);
    await put('short-lived', v2);
    const deleted = await vault.http().delete('/v1/policies/short-lived').set('Authorization', admin);
    expect(deleted.status).toBe(204);
    expect((await get('/short-lived')).status).toBe(404);
    expect((await get('/short-lived?version=1')).status).toBe(404);
    expect((await vault.http().delete('/v1/policies/short-lived').set('Authorization', admin)).status).toBe(404);
    expect((await put('short-lived', v1)).body.version).toBe(3);
  });

  it('audits saves and deletions, without the rules', async () => {
    await put('audited', v1);
    await vault.http().delete('/v1/policies/audited').set('Authorization', admin);
    const events = await withSql(vault.database.url, (query) =>
      query<{ action: string; details: Record<string, unknown>; actor_sub: string }>(
        `SELECT action, details, actor_sub FROM audit_events WHERE details->>'policy' = 'audited' ORDER BY seq`,
      ),
    );
    expect(events).toEqual([
      { action: 'masking_policy_save', details: { policy: 'audited', version: 1, rules: 2 }, actor_sub: 'policy-admin' },
      { action: 'masking_policy_delete', details: { policy: 'audited' }, actor_sub: 'policy-admin' },
    ]);
  });

  it('needs vault:admin for every route (403), and a token at all (401)', async () => {
    expect((await get('', etl)).status).toBe(403);
    expect((await get('/safe-harbor', etl)).status).toBe(403);
    expect((await put('research', v2, etl)).status).toBe(403);
    expect((await vault.http().delete('/v1/policies/research').set('Authorization', etl)).status).toBe(403);
    expect((await vault.http().get('/v1/policies')).status).toBe(401);
  });

  it('de-identification uses the latest version of a stored policy', async () => {
    await put('evolving', { rules: [{ path: '$.x', action: 'mask' }] });
    await put('evolving', { rules: [{ path: '$.x', action: 'redact' }] });
    const response = await vault.http().post('/v1/deidentify?policy=evolving').set('Authorization', etl).set('Content-Type', 'application/x-ndjson').send('{"x":"123456"}\n');
    expect(response.text).toBe('{"x":null}\n');
  });
});
