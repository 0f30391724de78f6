import { afterEach, describe, expect, it } from 'vitest';
import { connectPg } from '../../src/prisma/postgres-target.js';
import { withSql } from '../support/db-inspect.js';
import { createSigner, type Signer } from '../support/jwt.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { spawnVaultProcess, type VaultProcess } from '../support/vault-process.js';
import { startTestVault } from '../support/vault.js';

const ROWS = 10_000;

interface Seeded {
  readonly database: TestDatabase;
  readonly env: Record<string, string>;
  readonly signer: Signer;
  readonly issued: Map<string, string>;
}

/**
 * A vault with ROWS values under data key v1 and v2 already current, built by an in-process vault that is
 * then closed, so only the child processes started by the test ever work the job.
 */
async function seedAndRotate(): Promise<Seeded> {
  const database = await createTestDatabase();
  const signer = createSigner();
  const vault = await startTestVault({ database, signer, env: { VAULT_DETOKENIZE_TOKENS_PER_MINUTE: 'unlimited' } });
  const auth = await vault.bearer('seed', ['service'], ['vault:tokenize']);
  const issued = new Map<string, string>();
  for (let start = 0; start < ROWS; start += 1000) {
    const values = Array.from({ length: 1000 }, (_, i) => `MRN-${String(start + i).padStart(7, '0')}`);
    const response = await vault.http().post('/v1/tokenize').set('Authorization', auth).send({ mode: 'random', items: values.map((value) => ({ type: 'mrn', value })) });
    expect(response.status).toBe(200);
    response.body.items.forEach((item: { token: string }, i: number) => issued.set(item.token, values[i]));
  }
  const rotated = await vault.http().post('/v1/admin/keys/rotate').set('Authorization', await vault.bearer('key-officer', ['admin'], ['vault:admin']));
  expect(rotated.body).toEqual({ version: 2 });
  await vault.close();
  return { database, env: { ...vault.env, LOG_LEVEL: 'debug' }, signer, issued };
}

async function call(vault: VaultProcess, method: 'GET' | 'POST', path: string, auth: string, body?: unknown) {
  const response = await fetch(`${vault.url}${path}`, {
    method,
    headers: { Authorization: auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function untilJobEnds(vault: VaultProcess, jobId: string, auth: string) {
  for (let i = 0; i < 600; i += 1) {
    const { body } = await call(vault, 'GET', `/v1/admin/jobs/${jobId}`, auth);
    if (body.state !== 'running') return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the job did not end within a minute');
}

/** Per version, rows whose key_version column and ciphertext header disagree must not exist; returns rows per version. */
async function versionsOf(database: TestDatabase) {
  return withSql(database.url, async (query) => {
    const [{ mismatched }] = await query<{ mismatched: string }>(
      "SELECT count(*) AS mismatched FROM tokens WHERE ciphertext IS NOT NULL AND ('x' || encode(substring(ciphertext from 2 for 4), 'hex'))::bit(32)::int <> key_version",
    );
    expect(Number(mismatched)).toBe(0);
    const rows = await query<{ key_version: number; n: string }>('SELECT key_version, count(*) AS n FROM tokens GROUP BY 1 ORDER BY 1');
    return Object.fromEntries(rows.map((row) => [row.key_version, Number(row.n)]));
  });
}

async function expectAllReveal(vault: VaultProcess, seeded: Seeded) {
  const auth = `Bearer ${await seeded.signer.mint({ sub: 'checker', roles: ['service'], scope: 'vault:detokenize' })}`;
  const tokens = [...seeded.issued.keys()];
  for (let start = 0; start < tokens.length; start += 1000) {
    const slice = tokens.slice(start, start + 1000);
    const { status, body } = await call(vault, 'POST', '/v1/detokenize', auth, { tokens: slice, purpose: 'operations', justification: 'after re-encryption' });
    expect(status).toBe(200);
    expect(body.items.map((item: { value: string }) => item.value)).toEqual(slice.map((token) => seeded.issued.get(token)));
  }
}

const batchesLogged = (vault: VaultProcess) =>
  vault.output
    .join('')
    .split('\n')
    .filter((line) => line.includes('re-encryption batch committed'))
    .map((line) => JSON.parse(line).rows as number);

describe('re-encryption jobs on built vault processes', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()?.();
  });

  it('a job survives kill -9 of the instance working it: another instance finishes it, every row on the new version', async () => {
    const seeded = await seedAndRotate();
    cleanup.push(() => seeded.database.drop());
    const admin = `Bearer ${await seeded.signer.mint({ sub: 'key-officer', roles: ['admin'], scope: 'vault:admin' })}`;
    // Hold 1,000 rows so the first instance cannot finish, whatever its speed: it is killed with work left.
    const holder = await connectPg(seeded.database.url);
    cleanup.push(() => holder.end());
    await holder.query('BEGIN');
    await holder.query("SELECT token_key FROM tokens WHERE key_version = 1 ORDER BY token_key LIMIT 1000 FOR UPDATE");

    const first = await spawnVaultProcess(seeded.env);
    cleanup.push(() => first.stop('SIGKILL'));
    const started = await call(first, 'POST', '/v1/admin/keys/reencrypt', admin);
    expect(started.status).toBe(202);
    const jobId = started.body.jobId as string;
    const progress = await connectPg(seeded.database.url);
    cleanup.push(() => progress.end());
    const deadline = Date.now() + 30_000;
    let done = 0;
    while (done === 0 && Date.now() < deadline) {
      done = Number((await progress.query<{ done: string }>('SELECT done FROM jobs WHERE id = $1', [jobId]))[0].done);
    }
    expect(await first.stop('SIGKILL')).toBeNull(); // killed by the signal, mid-job (probably mid-batch)

    const [job] = await progress.query<{ state: string; done: string; total: string }>('SELECT state, done, total FROM jobs WHERE id = $1', [jobId]);
    expect(job.state).toBe('running');
    expect(Number(job.total)).toBe(ROWS);
    expect(Number(job.done)).toBeLessThan(ROWS);
    const afterKill = await versionsOf(seeded.database); // every committed batch is whole: versions match ciphertexts
    expect((afterKill[1] ?? 0) + (afterKill[2] ?? 0)).toBe(ROWS);
    expect(afterKill[2] ?? 0).toBe(Number(job.done)); // progress counts exactly the rows rewritten
    await holder.query('COMMIT');

    const second = await spawnVaultProcess(seeded.env);
    cleanup.push(() => second.stop());
    const finished = await untilJobEnds(second, jobId, admin);
    expect(finished).toMatchObject({ jobId, state: 'done', done: ROWS, total: ROWS, targetVersion: 2 });
    expect(await versionsOf(seeded.database)).toEqual({ 2: ROWS });
    const keys = await progress.query<{ version: number; retired: boolean }>("SELECT version, retired_at IS NOT NULL AS retired FROM wrapped_keys WHERE purpose = 'data' ORDER BY 1");
    expect(keys).toEqual([
      { version: 1, retired: true },
      { version: 2, retired: false },
    ]);
    await expectAllReveal(second, seeded);
  }, 120_000);

  it('two instances work one job together: each row rewritten and counted once', async () => {
    const seeded = await seedAndRotate();
    cleanup.push(() => seeded.database.drop());
    const admin = `Bearer ${await seeded.signer.mint({ sub: 'key-officer', roles: ['admin'], scope: 'vault:admin' })}`;
    const [a, b] = await Promise.all([spawnVaultProcess(seeded.env), spawnVaultProcess(seeded.env)]);
    cleanup.push(() => a.stop(), () => b.stop());

    // Asking both: the second call answers the running job and sets its instance to work on it at once.
    const [fromA, fromB] = await Promise.all([call(a, 'POST', '/v1/admin/keys/reencrypt', admin), call(b, 'POST', '/v1/admin/keys/reencrypt', admin)]);
    expect(fromA.status).toBe(202);
    expect(fromB.body.jobId).toBe(fromA.body.jobId);
    const finished = await untilJobEnds(b, fromA.body.jobId, admin);
    expect(finished).toMatchObject({ state: 'done', done: ROWS, total: ROWS });
    expect(await versionsOf(seeded.database)).toEqual({ 2: ROWS });

    const [byA, byB] = [batchesLogged(a), batchesLogged(b)];
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    expect([...byA, ...byB].reduce((sum, rows) => sum + rows, 0)).toBe(ROWS);
    await expectAllReveal(a, seeded);
  }, 120_000);
});
