import { parseArgs } from 'node:util';
import { DEV_TOKENS_REFUSED, devTokensAllowed, mintDevToken } from './dev-token.js';
import { ProgressReport } from './progress.js';
import { VaultCallFailed, VaultClient } from './vault-client.js';

const USAGE = `usage: npm run keys -- <command> [options]

commands:
  rotate               add a data-key version; new writes use it from the answer on
  reencrypt            start re-encrypting older rows under the current version and follow it (progress bar)
  status [jobId]       data-key versions and the rows each still protects; or one job (--wait to follow it)

options:
  --url URL            the vault (VAULT_URL; default http://127.0.0.1:8080, https://localhost:8080 when TLS_CERT_FILE is set)
  --token JWT          a token with the scope vault:admin (VAULT_TOKEN; in dev mode one is minted with the dev key)
  --ca FILE            CA of the vault's certificate (VAULT_CA_FILE)
  --cert/--key FILE    client certificate and key for mutual TLS (VAULT_CLIENT_CERT_FILE, VAULT_CLIENT_KEY_FILE)
  --no-wait            reencrypt: print the job id and return
  --wait               status <jobId>: follow the job until it ends`;

/** Every poll of a job is an audited admin call (read_job): once a second draws a smooth bar without burying the log. */
const POLL_MS = 1_000;

interface JobView {
  readonly jobId: string;
  readonly state: 'running' | 'done' | 'failed';
  readonly done: number;
  readonly total: number;
  readonly targetVersion: number;
  readonly error?: string;
}

interface KeyStatus {
  readonly current: number;
  readonly versions: readonly { version: number; createdAt: string; activatesAt: string; retiredAt: string | null; rows: number }[];
}

/**
 * `npm run keys`: key rotation and re-encryption against a running vault, over its HTTP API (so every
 * action is authorized and audited like any other call). Exit code 0 when the job is done, 1 otherwise.
 */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'no-wait': { type: 'boolean', default: false },
      wait: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const [command, jobId, ...extra] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === undefined || !['rotate', 'reencrypt', 'status'].includes(command) || extra.length > 0 || (jobId !== undefined && command !== 'status')) {
    throw new Error(`unknown or missing command\n${USAGE}`);
  }
  const env = process.env;
  const client = new VaultClient({
    baseUrl: values.url ?? env.VAULT_URL ?? (env.TLS_CERT_FILE ? `https://localhost:${env.PORT || 8080}` : `http://127.0.0.1:${env.PORT || 8080}`),
    bearer: await adminToken(values.token ?? env.VAULT_TOKEN),
    caFile: values.ca ?? env.VAULT_CA_FILE,
    certFile: values.cert ?? env.VAULT_CLIENT_CERT_FILE,
    keyFile: values.key ?? env.VAULT_CLIENT_KEY_FILE,
  });

  if (command === 'rotate') {
    const { body } = await client.call<{ version: number }>('POST', '/v1/admin/keys/rotate');
    process.stdout.write(`phi-vault: data-key version ${body.version} is current; new writes use it. Re-encrypt older rows with: npm run keys -- reencrypt\n`);
    return 0;
  }
  if (command === 'reencrypt') {
    const { body } = await client.call<{ jobId: string }>('POST', '/v1/admin/keys/reencrypt');
    process.stdout.write(`phi-vault: re-encryption job ${body.jobId}\n`);
    return values['no-wait'] ? 0 : follow(client, body.jobId);
  }
  if (jobId !== undefined) {
    if (values.wait) return follow(client, jobId);
    const { body } = await client.call<JobView>('GET', `/v1/admin/jobs/${encodeURIComponent(jobId)}`);
    process.stdout.write(`${describeJob(body)}\n`);
    return body.state === 'failed' ? 1 : 0;
  }
  const { body } = await client.call<KeyStatus>('GET', '/v1/admin/keys');
  process.stdout.write(describeKeys(body));
  return 0;
}

/** Polls the job until it ends, drawing its progress. Interrupting only stops following: the job goes on. */
async function follow(client: VaultClient, jobId: string): Promise<number> {
  const progress = new ProgressReport(process.stderr, 're-encrypting');
  process.once('SIGINT', () => {
    progress.finish();
    process.stderr.write(`phi-vault: stopped following; the job continues in the vault (npm run keys -- status ${jobId} --wait)\n`);
    process.exit(130);
  });
  for (;;) {
    const { body: job } = await client.call<JobView>('GET', `/v1/admin/jobs/${encodeURIComponent(jobId)}`);
    progress.update(job.done, job.total);
    if (job.state !== 'running') {
      progress.finish();
      process.stdout.write(`${describeJob(job)}\n`);
      return job.state === 'done' ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function describeJob(job: JobView): string {
  const failure = job.state === 'failed' ? ` (${job.error ?? 'unknown error'}; see the vault's log)` : '';
  return `phi-vault: job ${job.jobId}: ${job.state}${failure}, ${job.done}/${job.total} rows re-encrypted to version ${job.targetVersion} or later`;
}

function describeKeys(status: KeyStatus): string {
  const lines = status.versions.map((v) => {
    const state = v.retiredAt !== null ? `retired ${v.retiredAt}` : v.version === status.current ? 'current' : Date.parse(v.activatesAt) > Date.now() ? `activates ${v.activatesAt}` : 'readable';
    return `  v${String(v.version).padEnd(6)} ${String(v.rows).padStart(10)} rows   created ${v.createdAt}   ${state}`;
  });
  return `phi-vault: data-key versions (current: v${status.current})\n${lines.join('\n')}\n`;
}

async function adminToken(given: string | undefined): Promise<string> {
  if (given !== undefined && given.trim() !== '') return given.trim();
  if (!devTokensAllowed(process.env)) throw new Error(`a token with the scope vault:admin is needed: --token or VAULT_TOKEN (minting one ${DEV_TOKENS_REFUSED})`);
  return mintDevToken({ sub: 'keys-cli', roles: ['admin'], scope: 'vault:admin', ttlSeconds: 600 });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof VaultCallFailed || error instanceof Error ? error.message : 'the command failed';
    process.stderr.write(`phi-vault: ${message}\n`);
    process.exit(1);
  },
);
