import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCache } from '../../src/cache/token-cache.js';
import { withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

interface Job {
  jobId: string;
  state: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  targetVersion: number;
}

const ZIPS = Array.from({ length: 40 }, (_, i) => String(10_000 + i * 7).padStart(5, '0'));

describe('key rotation and re-encryption', () => {
  let vault: TestVault;
  let admin: string;
  let service: string;
  let oldTokens: string[];

  beforeAll(async () => {
    vault = await startTestVault();
    admin = await vault.bearer('key-officer', ['admin'], ['vault:admin']);
    service = await vault.bearer('ingest-svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
    oldTokens = await tokenize(ZIPS, 'random');
  });
  afterAll(async () => {
    await vault?.close();
  });

  async function tokenize(values: readonly string[], mode: 'random' | 'deterministic' = 'deterministic'): Promise<string[]> {
    const response = await vault.http().post('/v1/tokenize').set('Authorization', service).send({ mode, items: values.map((value) => ({ type: 'zip', value })) });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.items.map((item: { token: string }) => item.token);
  }
  async function reveal(tokens: readonly string[]): Promise<(string | undefined)[]> {
    const response = await vault.http().post('/v1/detokenize').set('Authorization', service).send({ tokens, purpose: 'operations', justification: 'key rotation check' });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.items.map((item: { value?: string }) => item.value);
  }
  const versionsInUse = () =>
    withSql(vault.database.url, async (query) =>
      (await query<{ key_version: number; n: string }>('SELECT key_version, count(*) AS n FROM tokens WHERE ciphertext IS NOT NULL GROUP BY 1 ORDER BY 1')).map((r) => [r.key_version, Number(r.n)]),
    );
  async function untilFinished(jobId: string): Promise<Job> {
    for (let i = 0; i < 300; i += 1) {
      const response = await vault.http().get(`/v1/admin/jobs/${jobId}`).set('Authorization', admin);
      expect(response.status).toBe(200);
      if (response.body.state !== 'running') return response.body;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the job did not finish');
  }

  it('refuses callers without a token (401) or without vault:admin (403), and does nothing', async () => {
    expect((await vault.http().post('/v1/admin/keys/rotate')).status).toBe(401);
    const rotate = await vault.http().post('/v1/admin/keys/rotate').set('Authorization', service);
    expect(rotate.status).toBe(403);
    expect(rotate.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await vault.http().post('/v1/admin/keys/reencrypt').set('Authorization', service)).status).toBe(403);
    expect((await vault.http().get('/v1/admin/keys').set('Authorization', service)).status).toBe(403);
    expect(await versionsInUse()).toEqual([[1, ZIPS.length]]);
  });

  it('rotate answers the new version, which every new write uses at once; old tokens still reveal', async () => {
    const response = await vault.http().post('/v1/admin/keys/rotate').set('Authorization', admin);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ version: 2 });
    const [fresh] = await tokenize(['99501']);
    expect(await versionsInUse()).toEqual([
      [1, ZIPS.length],
      [2, 1],
    ]);
    expect(await reveal([...oldTokens, fresh])).toEqual([...ZIPS, '99501']);
  });

  it('records the rotation in the audit log, with the version and no key material', async () => {
    const events = await withSql(vault.database.url, (query) =>
      query<{ actor_sub: string; action: string; details: Record<string, unknown> }>("SELECT actor_sub, action, details FROM audit_events WHERE action = 'rotate' ORDER BY seq"),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_sub: 'key-officer', action: 'rotate', details: { operation: 'rotate', version: 2 } });
    expect(Object.keys(events[0].details).sort()).toEqual(['activatesAt', 'operation', 'version']); // no clientCertSubject over plain HTTP
  });

  it('status lists each version with the rows it still protects', async () => {
    const response = await vault.http().get('/v1/admin/keys').set('Authorization', admin);
    expect(response.status).toBe(200);
    expect(response.body.current).toBe(2);
    expect(response.body.versions.map((v: { version: number; rows: number; retiredAt: string | null }) => [v.version, v.rows, v.retiredAt])).toEqual([
      [1, ZIPS.length, null],
      [2, 1, null],
    ]);
  });

  it('reencrypt (202) rewrites every older row, skips erased ones, then retires the old version', async () => {
    // An erased row keeps its key_version but holds no ciphertext: nothing to rewrite, nothing that needs the key.
    // (Erased in SQL here, so the cached copy is dropped as the erasure service does.)
    const [erased] = await withSql(vault.database.url, (query) =>
      query<{ token_key: string }>("UPDATE tokens SET ciphertext = NULL, erased_at = now() WHERE token_key = (SELECT min(token_key) FROM tokens WHERE key_version = 1) RETURNING token_key"),
    );
    await vault.app.get(TokenCache).forget([erased.token_key]);
    const response = await vault.http().post('/v1/admin/keys/reencrypt').set('Authorization', admin);
    expect(response.status).toBe(202);
    expect(response.body.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.location).toBe(`/v1/admin/jobs/${response.body.jobId}`);
    const job = await untilFinished(response.body.jobId);
    expect(job).toMatchObject({ state: 'done', done: ZIPS.length - 1, total: ZIPS.length - 1, targetVersion: 2 });
    expect(await versionsInUse()).toEqual([[2, ZIPS.length]]);
    const keys = await withSql(vault.database.url, (query) => query<{ version: number; retired: boolean }>("SELECT version, retired_at IS NOT NULL AS retired FROM wrapped_keys WHERE purpose = 'data' ORDER BY 1"));
    expect(keys).toEqual([
      { version: 1, retired: true },
      { version: 2, retired: false },
    ]);
    const values = await reveal(oldTokens);
    expect(values.filter((value) => value === undefined)).toHaveLength(1); // the erased one
    expect(values.filter((value) => value !== undefined)).toHaveLength(ZIPS.length - 1);
  });

  it('audits the start and the end of the job', async () => {
    const events = await withSql(vault.database.url, (query) =>
      query<{ actor_sub: string; details: Record<string, unknown> }>(
        "SELECT actor_sub, details FROM audit_events WHERE action = 'rotate' AND details->>'operation' NOT IN ('list_keys', 'read_job') ORDER BY seq",
      ),
    );
    expect(events.map((e) => [e.actor_sub, e.details.operation])).toEqual([
      ['key-officer', 'rotate'],
      ['key-officer', 'reencrypt'],
      ['phi-vault', 'reencrypt_finished'],
    ]);
    expect(events[2].details).toMatchObject({ retiredVersions: [1], targetVersion: 2, rows: ZIPS.length - 1 });
  });

  it('the database refuses any later write under the retired version, and any row misstating its version', async () => {
    const oneRow = '(SELECT min(token_key) FROM tokens WHERE ciphertext IS NOT NULL)';
    // The header's version (bytes 1-4) rewritten to 1 along with the column: a row under the retired key.
    await expect(
      withSql(vault.database.url, (query) => query(`UPDATE tokens SET key_version = 1, ciphertext = set_byte(ciphertext, 4, 1) WHERE token_key = ${oneRow}`)),
    ).rejects.toThrow(/retired data-key version/);
    await expect(withSql(vault.database.url, (query) => query(`UPDATE tokens SET key_version = 7 WHERE token_key = ${oneRow}`))).rejects.toThrow(
      /key_version must be the version named in its ciphertext/,
    );
  });

  it('asking again while a job runs answers that job; rows held by another transaction wait for the next pass', async () => {
    expect((await vault.http().post('/v1/admin/keys/rotate').set('Authorization', admin)).body).toEqual({ version: 3 });
    // Hold every v2 row: the job can claim nothing, so it stays running until they are released.
    const { connectPg } = await import('../../src/prisma/postgres-target.js');
    const holder = await connectPg(vault.database.url);
    await holder.query('BEGIN');
    await holder.query('SELECT token_key FROM tokens WHERE key_version = 2 FOR UPDATE');
    try {
      const first = await vault.http().post('/v1/admin/keys/reencrypt').set('Authorization', admin);
      const second = await vault.http().post('/v1/admin/keys/reencrypt').set('Authorization', admin);
      expect(second.status).toBe(202);
      expect(second.body.jobId).toBe(first.body.jobId);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const running = await vault.http().get(`/v1/admin/jobs/${first.body.jobId}`).set('Authorization', admin);
      expect(running.body).toMatchObject({ state: 'running', done: 0, total: ZIPS.length });
      await holder.query('COMMIT');
      expect(await untilFinished(first.body.jobId)).toMatchObject({ state: 'done', done: ZIPS.length, total: ZIPS.length, targetVersion: 3 });
    } finally {
      await holder.end();
    }
    expect(await versionsInUse()).toEqual([[3, ZIPS.length]]);
  });

  it('audits reading the key status and a job (CONTRACT section 10: every admin route), never what was not a job id', async () => {
    const reads = () =>
      withSql(vault.database.url, (query) =>
        query<{ actor_sub: string; outcome: string; details: Record<string, unknown> }>(
          "SELECT actor_sub, outcome, details FROM audit_events WHERE action = 'rotate' AND details->>'operation' IN ('list_keys', 'read_job') ORDER BY seq",
        ),
      );
    const before = (await reads()).length;
    const started = await vault.http().post('/v1/admin/keys/reencrypt').set('Authorization', admin);
    expect((await vault.http().get('/v1/admin/keys').set('Authorization', admin)).status).toBe(200);
    expect((await vault.http().get(`/v1/admin/jobs/${started.body.jobId}`).set('Authorization', admin)).status).toBe(200);
    expect((await vault.http().get('/v1/admin/jobs/00000000-0000-4000-8000-000000000000').set('Authorization', admin)).status).toBe(404);
    expect((await vault.http().get("/v1/admin/jobs/1' OR '1'='1").set('Authorization', admin)).status).toBe(404);
    expect((await vault.http().get('/v1/admin/keys').set('Authorization', service)).status).toBe(403); // refused by scope: no event
    expect((await reads()).slice(before)).toEqual([
      { actor_sub: 'key-officer', outcome: 'allowed', details: { operation: 'list_keys', current: 3, versions: 3 } },
      { actor_sub: 'key-officer', outcome: 'allowed', details: { operation: 'read_job', jobId: started.body.jobId, found: true, state: expect.stringMatching(/^(running|done)$/) } },
      { actor_sub: 'key-officer', outcome: 'allowed', details: { operation: 'read_job', jobId: '00000000-0000-4000-8000-000000000000', found: false } },
      { actor_sub: 'key-officer', outcome: 'allowed', details: { operation: 'read_job', jobId: null, found: false } },
    ]);
  });

  it('an unknown or malformed job id is 404', async () => {
    expect((await vault.http().get('/v1/admin/jobs/00000000-0000-4000-8000-000000000000').set('Authorization', admin)).status).toBe(404);
    const malformed = await vault.http().get("/v1/admin/jobs/1' OR '1'='1").set('Authorization', admin);
    expect(malformed.status).toBe(404);
    expect(malformed.text).not.toContain("'1'='1");
  });
});
