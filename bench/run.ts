import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { applyMigrations, readMigrations } from '../src/prisma/migrator.js';
import { connectPg, ensureDatabase, quoteIdentifier } from '../src/prisma/postgres-target.js';
import { drive, type LoadResult } from './load.js';
import { peakRssMiB, resetPeakRss, startServer, type RunningServer } from './processes.js';
import { rawBatchedInserts } from './raw-inserts.js';
import { judge, type Judged } from './targets.js';

/**
 * `npm run bench`: the real vault (built, as a child process, on PostgreSQL and Redis) and, in the same run
 * on the same machine, the baselines: a bare NestJS-on-Fastify server answering the same JSON, and raw
 * batched inserts with the `pg` driver. Prints a table, then one JSON line.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 32;
const BATCH_CONNECTIONS = 4;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ISSUER = 'phi-vault-bench';
const AUDIENCE = 'phi-vault';
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

interface ScenarioResult {
  readonly name: string;
  readonly unit: 'requests/s' | 'values/s';
  readonly throughput: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly peakRssMiB: number | null;
  readonly baseline: string | null;
  readonly baselineThroughput: number | null;
  readonly ratio: number | null;
  readonly errors: number;
  /** The issues' targets for this scenario and whether this run met them. */
  readonly targets: readonly Judged[];
}

let ssnCounter = randomBytes(3).readUIntBE(0, 3) * 100;
/** A never-seen SSN per call, so every tokenize stores a new value. */
function freshSsn(): string {
  ssnCounter += 1;
  const digits = String(ssnCounter % 1_000_000_000).padStart(9, '0');
  return `${digits.slice(0, 3)}-${digits.slice(3, 5)}-${digits.slice(5)}`;
}

async function main(): Promise<void> {
  // The bench measures the real service: a vault quietly running without its cache would measure something else.
  await assertRedisReachable();
  const redisKeyPrefix = `phi-vault-bench:${randomBytes(4).toString('hex')}:`;
  const databaseName = `phi_vault_bench_${Date.now()}`;
  const databaseUrl = new URL(ADMIN_URL);
  databaseUrl.pathname = `/${databaseName}`;
  await ensureDatabase(databaseUrl.toString());
  const migration = await connectPg(databaseUrl.toString());
  await applyMigrations(migration, readMigrations(here('../../prisma/migrations/')));
  await migration.end();

  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(mkdtempSync(join(tmpdir(), 'phi-vault-bench-')), 'jwt.pem');
  writeFileSync(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const bearer = `Bearer ${await new SignJWT({ roles: ['service'], scope: 'vault:tokenize vault:detokenize' })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('bench')
    .setExpirationTime('2h')
    .sign(privateKey)}`;

  const results: ScenarioResult[] = [];
  let vault: RunningServer | undefined;
  let bare: RunningServer | undefined;
  try {
    bare = await startServer(here('./bare-server.js'), {});
    const bareSingle = await measure(bare.url, () => tokenizeBody(1), {}, CONNECTIONS);
    await bare.stop();
    bare = undefined;
    const rawValuesPerSecond = await rawBatchedInserts(databaseUrl.toString(), SECONDS, BATCH_CONNECTIONS);

    vault = await startServer(here('../../dist/main.js'), {
      NODE_OPTIONS: imageNodeOptions(),
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_PUBLIC_KEY_FILE: keyFile,
    });
    const pid = vault.child.pid as number;
    const headers = { authorization: bearer };
    const scenario = async (name: string, run: () => Promise<{ load: LoadResult; perRequest: number }>, baseline: { name: string; throughput: number } | null) => {
      resetPeakRss(pid);
      const { load, perRequest } = await run();
      const throughput = load.requestsPerSecond * perRequest;
      const measured = {
        name,
        unit: perRequest === 1 ? ('requests/s' as const) : ('values/s' as const),
        throughput: Math.round(throughput),
        p50Ms: load.p50,
        p99Ms: load.p99,
        peakRssMiB: peakRssMiB(pid),
        baseline: baseline?.name ?? null,
        baselineThroughput: baseline === null ? null : Math.round(baseline.throughput),
        ratio: baseline === null ? null : Number((throughput / baseline.throughput).toFixed(3)),
        errors: load.errors + load.non2xx,
      };
      results.push({ ...measured, targets: judge(measured) });
    };

    // De-identification first (bench/deid.ts): its memory target is about the stream, not the heap the tokenize load leaves behind.
    for (const { target, targetMet, ...row } of await (await import('./deid.js')).deidScenarios({ url: vault.url, bearer, pid })) {
      results.push({ ...row, targets: target === null ? [] : [{ target, met: targetMet === true }] });
    }
    await measure(vault.url, () => tokenizeBody(1), headers, CONNECTIONS, 3); // warm-up: JIT, pools, caches
    await scenario('tokenize single, fresh values', async () => ({ load: await measure(vault!.url, () => tokenizeBody(1), headers, CONNECTIONS), perRequest: 1 }), {
      name: 'bare NestJS/Fastify, same JSON',
      throughput: bareSingle.requestsPerSecond,
    });
    const token = await tokenizeOnce(vault.url, bearer, '123-45-6789');
    const detokenizeBody = JSON.stringify({ tokens: [token], purpose: 'treatment', justification: 'Benchmark of the audited reveal path' });
    await measure(vault.url, () => detokenizeBody, headers, 1, 1, '/v1/detokenize'); // the token's record is cached from here on
    await scenario('detokenize single, cached token (audited)', async () => ({ load: await measure(vault!.url, () => detokenizeBody, headers, CONNECTIONS, SECONDS, '/v1/detokenize'), perRequest: 1 }), null);
    await scenario('tokenize batches of 1,000 fresh values', async () => ({ load: await measure(vault!.url, () => tokenizeBody(1000), headers, BATCH_CONNECTIONS), perRequest: 1000 }), {
      name: 'raw batched pg inserts',
      throughput: rawValuesPerSecond,
    });
    const known = Array.from({ length: 2000 }, () => freshSsn());
    for (let i = 0; i < known.length; i += 1000) await tokenizeMany(vault.url, bearer, known.slice(i, i + 1000));
    let next = 0;
    const knownBody = () => JSON.stringify({ items: [{ type: 'ssn', value: known[next++ % known.length] }] });
    await scenario('deterministic re-tokenize, known values', async () => ({ load: await measure(vault!.url, knownBody, headers, CONNECTIONS), perRequest: 1 }), {
      name: 'bare NestJS/Fastify, same JSON',
      throughput: bareSingle.requestsPerSecond,
    });
  } finally {
    await bare?.stop();
    await vault?.stop();
    const admin = await connectPg(ADMIN_URL);
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName)} WITH (FORCE)`);
    await admin.end();
    await dropRedisKeys(redisKeyPrefix);
  }
  report(results);
}

function tokenizeBody(count: number): string {
  return JSON.stringify({ items: Array.from({ length: count }, () => ({ type: 'ssn', value: freshSsn() })) });
}

function measure(url: string, body: () => string, headers: Record<string, string>, connections: number, seconds = SECONDS, path = '/v1/tokenize') {
  return drive({ url, path, headers, body, connections, seconds });
}

async function tokenizeMany(url: string, bearer: string, values: string[]): Promise<string[]> {
  const response = await fetch(`${url}/v1/tokenize`, {
    method: 'POST',
    headers: { authorization: bearer, 'content-type': 'application/json' },
    body: JSON.stringify({ items: values.map((value) => ({ type: 'ssn', value })) }),
  });
  if (!response.ok) throw new Error(`tokenize failed with ${response.status}`);
  return ((await response.json()) as { items: { token: string }[] }).items.map((item) => item.token);
}

async function tokenizeOnce(url: string, bearer: string, value: string): Promise<string> {
  return (await tokenizeMany(url, bearer, [value]))[0];
}

function report(results: readonly ScenarioResult[]): void {
  const rows = results.map((r) => ({
    scenario: r.name,
    throughput: `${r.throughput.toLocaleString('en-US')} ${r.unit}`,
    p50: r.p50Ms === null ? '' : `${r.p50Ms} ms`,
    p99: r.p99Ms === null ? '' : `${r.p99Ms} ms`,
    'peak RSS': r.peakRssMiB === null ? '' : `${r.peakRssMiB} MiB`,
    baseline: r.baseline === null ? '' : `${r.baseline}: ${r.baselineThroughput?.toLocaleString('en-US')}`,
    ratio: r.ratio === null ? '' : `${(r.ratio * 100).toFixed(1)}%`,
    errors: r.errors,
    targets: r.targets.map((t) => `${t.met ? 'met' : 'MISSED'}: ${t.target}`).join('; '),
  }));
  console.table(rows);
  const judged = results.flatMap((r) => r.targets);
  process.stdout.write(`targets: ${judged.filter((t) => t.met).length} met, ${judged.filter((t) => !t.met).length} missed\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'phi-vault', seconds: SECONDS, connections: CONNECTIONS, scenarios: results })}\n`);
}

/** The NODE_OPTIONS the Docker image runs the vault with: the bench measures the vault as it is deployed. */
function imageNodeOptions(): string {
  const line = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(readFileSync(here('../../Dockerfile'), 'utf8'));
  if (line === null) throw new Error('Dockerfile: no ENV NODE_OPTIONS="..." line to run the vault with');
  return line[1];
}

async function assertRedisReachable(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new Error(`Redis is not reachable at ${REDIS_URL}; the bench measures the vault with its cache (set BENCH_REDIS_URL)`);
  } finally {
    redis.disconnect();
  }
}

/** Leaves the shared Redis as it found it: the run's cache entries and limit counters go. */
async function dropRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
