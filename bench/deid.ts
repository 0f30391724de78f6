import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SignJWT } from 'jose';
import { applyMigrations, readMigrations } from '../src/prisma/migrator.js';
import { connectPg, ensureDatabase, quoteIdentifier } from '../src/prisma/postgres-target.js';
import { startServer } from './processes.js';

/**
 * The de-identification scenario: flat records with five PHI fields each (name, SSN, birth date, ZIP,
 * phone) streamed through POST /v1/deidentify?policy=safe-harbor over one HTTP connection, both ways at
 * once. Under safe-harbor all five are removed or generalized in memory (no vault row); the second
 * scenario, policy `bench-ssn-tokens`, turns each SSN into a random-mode vault token instead: one stored,
 * audited token row per record, which is what bounds that scenario.
 *
 * `benchDeidentify` is what a harness calls against a running vault; run this file directly
 * (`node dist-bench/bench/deid.js [records]`) to spawn a built vault on a fresh database and measure it.
 */
export interface DeidBenchOptions {
  readonly url: string;
  /** `Bearer ...` with scope vault:tokenize. */
  readonly bearer: string;
  readonly records: number;
  readonly policy?: string;
  /** The vault's process id, to sample its resident set size (Linux /proc). */
  readonly pid?: number;
}

export interface DeidBenchResult {
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly errorLines: number;
  /** Highest VmRSS sampled every 50 ms during the run, in MiB (null without a pid). */
  readonly peakRssMiB: number | null;
}

const LINES_PER_CHUNK = 500;
const FIRST = ['Maria', 'James', 'Wei', 'Aisha', 'Olga', 'Juan', 'Priya', 'Tom'];
const LAST = ['Garcia', 'Smith', 'Chen', 'Okafor', 'Ivanova', 'Lopez', 'Patel', 'Nguyen'];

/** The records, generated as they are sent (a million of them never sit in memory). */
function recordStream(count: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= count) {
        this.push(null);
        return;
      }
      let chunk = '';
      for (const end = Math.min(sent + LINES_PER_CHUNK, count); sent < end; sent += 1) {
        const serial = String(sent % 10_000).padStart(4, '0');
        const group = String(1 + (Math.floor(sent / 10_000) % 99)).padStart(2, '0');
        chunk += `${JSON.stringify({
          recordNo: sent,
          name: `${FIRST[sent % 8]} ${LAST[(sent >> 3) % 8]}`,
          ssn: `${String(100 + (sent % 500)).padStart(3, '0')}-${group}-${serial === '0000' ? '0001' : serial}`,
          birthDate: `19${String(30 + (sent % 70)).padStart(2, '0')}-0${1 + (sent % 9)}-1${sent % 10}`,
          zip: String(10_000 + (sent % 89_999)).padStart(5, '0'),
          phone: `617-555-${String(sent % 10_000).padStart(4, '0')}`,
          diagnosis: 'E11.9',
        })}\n`;
      }
      this.push(chunk);
    },
  });
}

export async function benchDeidentify(options: DeidBenchOptions): Promise<DeidBenchResult> {
  const url = new URL(`/v1/deidentify?policy=${encodeURIComponent(options.policy ?? 'safe-harbor')}`, options.url);
  let peak = 0;
  const sampler = options.pid === undefined ? null : setInterval(() => (peak = Math.max(peak, currentRssMiB(options.pid as number))), 50);
  const started = process.hrtime.bigint();
  let lines = 0;
  let errorLines = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const request = http.request(url, { method: 'POST', agent: false, headers: { authorization: options.bearer, 'content-type': 'application/x-ndjson' } });
      request.on('error', reject);
      request.on('response', (response) => {
        if (response.statusCode !== 200) return reject(new Error(`deidentify answered ${response.statusCode}`));
        let tail = '';
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          const parts = (tail + text).split('\n');
          tail = parts.pop() as string;
          lines += parts.length;
          for (const part of parts) if (part.startsWith('{"error"')) errorLines += 1;
        });
        response.on('end', () => (response.trailers['deid-summary'] === undefined ? reject(new Error('stream ended without its summary')) : resolve()));
        response.on('error', reject);
      });
      recordStream(options.records).pipe(request);
    });
  } finally {
    if (sampler !== null) clearInterval(sampler);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (lines !== options.records) throw new Error(`sent ${options.records} records, got ${lines} lines back`);
  return { records: lines, seconds: Number(seconds.toFixed(2)), recordsPerSecond: Math.round(lines / seconds), errorLines, peakRssMiB: options.pid === undefined ? null : peak };
}

function currentRssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? 0 : Math.round(Number(match[1]) / 1024);
}

/** The same five fields, but the SSN becomes a random-mode vault token: one stored, audited row per record. */
export const SSN_TOKEN_POLICY = 'bench-ssn-tokens';
export const SSN_TOKEN_RULES = [
  { path: '$.ssn', action: 'tokenize', type: 'ssn', mode: 'random' },
  { path: '$.name', action: 'redact' },
  { path: '$.birthDate', action: 'generalize', to: 'year', capAge: true },
  { path: '$.zip', action: 'generalize', to: 'zip3' },
  { path: '$.phone', action: 'redact' },
];

export async function putPolicy(url: string, bearer: string, name: string, document: unknown): Promise<void> {
  const response = await fetch(new URL(`/v1/policies/${name}`, url), {
    method: 'PUT',
    headers: { authorization: bearer, 'content-type': 'application/json' },
    body: JSON.stringify(document),
  });
  if (!response.ok) throw new Error(`PUT /v1/policies/${name} answered ${response.status}`);
}

/** Standalone: a fresh database, the built vault as a child process, a warm-up, then the measured run. */
async function standalone(records: number): Promise<void> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/postgres';
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/phi_vault_bench_deid_${Date.now()}`;
  await ensureDatabase(databaseUrl.toString());
  const migration = await connectPg(databaseUrl.toString());
  await applyMigrations(migration, readMigrations(fileURLToPath(new URL('../../prisma/migrations/', import.meta.url))));
  await migration.end();
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(mkdtempSync(join(tmpdir(), 'phi-vault-bench-deid-')), 'jwt.pem');
  writeFileSync(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const bearer = `Bearer ${await new SignJWT({ roles: ['service'], scope: 'vault:tokenize vault:admin' })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer('phi-vault-bench')
    .setAudience('phi-vault')
    .setSubject('bench-deid')
    .setExpirationTime('4h')
    .sign(privateKey)}`;
  const vault = await startServer(fileURLToPath(new URL('../../dist/main.js', import.meta.url)), {
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `phi-vault-bench:${randomBytes(4).toString('hex')}:`,
    VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    AUTH_ISSUER: 'phi-vault-bench',
    AUTH_AUDIENCE: 'phi-vault',
    AUTH_PUBLIC_KEY_FILE: keyFile,
    ...(process.env.BENCH_VAULT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_VAULT_NODE_OPTIONS } : {}),
  });
  try {
    const pid = vault.child.pid as number;
    const idleRssMiB = currentRssMiB(pid);
    await benchDeidentify({ url: vault.url, bearer, records: 20_000 });
    const safeHarbor = await benchDeidentify({ url: vault.url, bearer, records, pid });
    process.stdout.write(`${JSON.stringify({ bench: 'phi-vault deidentify', policy: 'safe-harbor', phiFieldsPerRecord: 5, tokensPerRecord: 0, idleRssMiB, ...safeHarbor })}\n`);
    await putPolicy(vault.url, bearer, SSN_TOKEN_POLICY, { rules: SSN_TOKEN_RULES });
    const tokenRecords = Math.min(records, 200_000);
    const withTokens = await benchDeidentify({ url: vault.url, bearer, records: tokenRecords, pid, policy: SSN_TOKEN_POLICY });
    process.stdout.write(`${JSON.stringify({ bench: 'phi-vault deidentify', policy: SSN_TOKEN_POLICY, phiFieldsPerRecord: 5, tokensPerRecord: 1, idleRssMiB, ...withTokens })}\n`);
  } finally {
    await vault.stop();
    const admin = await connectPg(adminUrl);
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseUrl.pathname.slice(1))} WITH (FORCE)`);
    await admin.end();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  standalone(Number(process.argv[2] ?? 200_000)).catch((error: unknown) => {
    process.stderr.write(`bench deid failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
