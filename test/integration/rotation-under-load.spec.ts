import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSql } from '../support/db-inspect.js';
import { spawnVaultProcess, type VaultProcess } from '../support/vault-process.js';
import { startTestVault, type TestVault } from '../support/vault.js';

/** Minimal HTTP access to either instance: the in-process one through supertest, the child process through fetch. */
interface Instance {
  readonly name: string;
  post(path: string, auth: string, body?: unknown): Promise<{ status: number; body: any }>;
  get(path: string, auth: string): Promise<{ status: number; body: any }>;
}

const SEED_ROWS = 2_000;
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

describe('rotation and re-encryption while two instances serve a steady load', () => {
  let inProcess: TestVault;
  let child: VaultProcess;
  let instances: [Instance, Instance];
  let admin: string;
  let service: string;

  beforeAll(async () => {
    inProcess = await startTestVault({ env: { VAULT_DETOKENIZE_TOKENS_PER_MINUTE: 'unlimited' } });
    child = await spawnVaultProcess(inProcess.env);
    admin = await inProcess.bearer('key-officer', ['admin'], ['vault:admin']);
    service = await inProcess.bearer('load-svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
    instances = [
      {
        name: 'in-process',
        post: async (path, auth, body) => {
          const call = inProcess.http().post(path).set('Authorization', auth);
          const response = body === undefined ? await call : await call.send(body as object);
          return { status: response.status, body: response.body };
        },
        get: async (path, auth) => {
          const response = await inProcess.http().get(path).set('Authorization', auth);
          return { status: response.status, body: response.body };
        },
      },
      {
        name: 'child process',
        post: async (path, auth, body) => {
          const response = await fetch(`${child.url}${path}`, {
            method: 'POST',
            headers: { Authorization: auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          return { status: response.status, body: await response.json() };
        },
        get: async (path, auth) => {
          const response = await fetch(`${child.url}${path}`, { headers: { Authorization: auth } });
          return { status: response.status, body: await response.json() };
        },
      },
    ];
  });
  afterAll(async () => {
    await child?.stop();
    await inProcess?.close();
  });

  async function tokenize(instance: Instance, values: readonly string[]): Promise<string[]> {
    const response = await instance.post('/v1/tokenize', service, { mode: 'random', items: values.map((value) => ({ type: 'mrn', value })) });
    if (response.status !== 200) throw new Error(`tokenize on ${instance.name}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.items.map((item: { token: string }) => item.token);
  }
  const reveal = (instance: Instance, tokens: readonly string[]) =>
    instance.post('/v1/detokenize', service, { tokens, purpose: 'operations', justification: 'rotation under load' });

  async function untilDone(instance: Instance, jobId: string) {
    for (;;) {
      const response = await instance.get(`/v1/admin/jobs/${jobId}`, admin);
      if (response.body.state !== 'running') return response.body;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('no read fails, and every token written before, during and after reveals its value on both instances', async () => {
    const issued = new Map<string, string>();
    for (let start = 0; start < SEED_ROWS; start += 1000) {
      const values = Array.from({ length: 1000 }, (_, i) => `SEED-${String(start + i).padStart(6, '0')}`);
      (await tokenize(instances[0], values)).forEach((token, i) => issued.set(token, values[i]));
    }

    const failures: string[] = [];
    let reads = 0;
    let running = true;
    const worker = async (id: number) => {
      for (let round = 0; running; round += 1) {
        const writer = instances[(id + round) % 2];
        const reader = instances[(id + round + 1) % 2];
        try {
          const values = Array.from({ length: 5 }, (_, i) => `LOAD-${id}-${round}-${i}`);
          const fresh = await tokenize(writer, values);
          fresh.forEach((token, i) => issued.set(token, values[i]));
          // What one instance just wrote, read at once on the other (the case a rotation could break), and older rows.
          const all = [...issued.keys()];
          const sample = [...fresh, ...Array.from({ length: 20 }, () => all[randomInt(all.length)])];
          const response = await reveal(reader, sample);
          reads += 1;
          if (response.status !== 200) failures.push(`${reader.name}: detokenize ${response.status} ${response.body?.code}`);
          else response.body.items.forEach((item: { token: string; value?: string }) => {
            if (item.value !== issued.get(item.token)) failures.push(`${reader.name}: wrong or missing value`);
          });
        } catch (error) {
          failures.push(`${writer.name}: ${(error as Error).message}`);
        }
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));

    try {
      expect((await instances[0].post('/v1/admin/keys/rotate', admin)).body).toEqual({ version: 2 });
      await settle(); // load under the new version on both instances, before anything else makes them reload
      const first = await instances[1].post('/v1/admin/keys/reencrypt', admin);
      expect(first.status).toBe(202);
      expect(await untilDone(instances[1], first.body.jobId)).toMatchObject({ state: 'done', targetVersion: 2 });
      expect((await instances[1].post('/v1/admin/keys/rotate', admin)).body).toEqual({ version: 3 });
      await settle();
      const second = await instances[0].post('/v1/admin/keys/reencrypt', admin);
      const finished = await untilDone(instances[0], second.body.jobId);
      expect(finished).toMatchObject({ state: 'done', targetVersion: 3 });
      expect(finished.done).toBe(finished.total);
      await settle(); // and after the last retirement
    } finally {
      running = false;
      await load;
    }

    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(20);
    const tokens = [...issued.keys()];
    for (const instance of instances) {
      for (let start = 0; start < tokens.length; start += 1000) {
        const slice = tokens.slice(start, start + 1000);
        const response = await reveal(instance, slice);
        expect(response.status).toBe(200);
        expect(response.body.items.map((item: { value: string }) => item.value)).toEqual(slice.map((token) => issued.get(token)));
      }
    }
    const versions = await withSql(inProcess.database.url, (query) =>
      query<{ version: number; retired: boolean; rows: string }>(
        "SELECT k.version, k.retired_at IS NOT NULL AS retired, (SELECT count(*) FROM tokens t WHERE t.key_version = k.version) AS rows FROM wrapped_keys k WHERE purpose = 'data' ORDER BY 1",
      ),
    );
    // Rows written after the second job finished are on v3 too: every instance switched at the rotation's answer.
    expect(versions).toEqual([
      { version: 1, retired: true, rows: '0' },
      { version: 2, retired: true, rows: '0' },
      { version: 3, retired: false, rows: String(tokens.length) },
    ]);
  }, 120_000);
});
