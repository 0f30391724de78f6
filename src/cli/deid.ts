import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { StreamProgress } from './progress.js';

const USAGE = `usage: npm run -s deid -- --policy safe-harbor [--in records.ndjson] [--out deidentified.ndjson]
                         [--url http://127.0.0.1:8080] [--token JWT] [--quiet]
  Streams NDJSON (one JSON record or FHIR resource per line) through POST /v1/deidentify.
  Without --in/--out it reads stdin and writes stdout: keep npm's -s (--silent), or npm writes its
  "> phi-vault@... deid" banner into the output. The bearer token comes from --token or VAULT_TOKEN
  (scope vault:tokenize); in dev mode (VAULT_DEV_MODE=true) one is minted with npm run token's key.
  Exit status: 0 all lines de-identified, 3 some lines became error lines, 1 the call failed.`;

interface Summary {
  readonly policy: string;
  readonly version: number;
  readonly lines: number;
  readonly records: number;
  readonly errors: number;
  readonly tokens: number;
  readonly rules: readonly { rule: number; path: string; action: string; changed: number }[];
  readonly auditId: string | null;
}

class UsageError extends Error {}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      policy: { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      token: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.policy) throw new UsageError('--policy is required');
  const endpoint = new URL(`/v1/deidentify?policy=${encodeURIComponent(values.policy)}`, values.url);
  const bearer = values.token ?? process.env.VAULT_TOKEN ?? mintDevToken();

  const input: Readable = values.in === undefined ? process.stdin : createReadStream(values.in);
  const totalBytes = values.in === undefined ? null : statSync(values.in).size;
  const progress = new StreamProgress(process.stderr, totalBytes, !values.quiet && process.stderr.isTTY === true);
  const request = (endpoint.protocol === 'https:' ? https : http).request(endpoint, {
    method: 'POST',
    // No keep-alive pool: the one connection closes with the response and the process can end by itself.
    agent: false,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/x-ndjson', te: 'trailers' },
  });
  // Full duplex: the vault answers lines while we are still sending, so upload and download run together.
  const responded = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  const upload = pipeline(input, progress.counting('sent'), request).catch((error: unknown) => error);
  const response = await responded;
  if (response.statusCode !== 200) {
    request.destroy();
    input.destroy();
    throw new Error(await problemOf(response));
  }
  const output: Writable = values.out === undefined ? process.stdout : createWriteStream(values.out);
  await pipeline(response, progress.counting('received'), output);
  const uploadError = await upload;
  progress.finish();
  const header = response.trailers['deid-summary'];
  if (header === undefined) {
    throw new Error(`the vault ended the stream early, without its summary: the output is incomplete${uploadError instanceof Error ? ` (${uploadError.message})` : ''}`);
  }
  const summary = JSON.parse(header) as Summary;
  if (!values.quiet) process.stderr.write(describe(summary));
  return summary.errors > 0 ? 3 : 0;
}

/** Dev mode only: the same signing key and claims path as `npm run token`, by running it. */
function mintDevToken(): string {
  if (process.env.VAULT_DEV_MODE?.trim() !== 'true') {
    throw new UsageError('no bearer token: pass --token or set VAULT_TOKEN (a JWT with scope vault:tokenize); in dev mode set VAULT_DEV_MODE=true to mint one');
  }
  const tokenCli = fileURLToPath(new URL('./token.js', import.meta.url));
  return execFileSync(process.execPath, [tokenCli, '--sub', 'deid-cli', '--roles', 'service', '--scope', 'vault:tokenize', '--ttl', '86400'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

async function problemOf(response: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of response) body += String(chunk);
  try {
    const problem = JSON.parse(body) as { title?: string; detail?: string; errors?: { path: string; message: string }[] };
    const errors = (problem.errors ?? []).map((error) => `\n  ${error.path}: ${error.message}`).join('');
    return `the vault answered ${response.statusCode} ${problem.title ?? ''}: ${problem.detail ?? ''}${errors}`;
  } catch {
    return `the vault answered ${response.statusCode}`;
  }
}

function describe(summary: Summary): string {
  const lines = [
    `phi-vault deid: ${summary.records} record(s) de-identified with ${summary.policy} v${summary.version}, ${summary.errors} error line(s), ${summary.tokens} token(s) issued`,
  ];
  if (summary.errors > 0) lines.push('  error lines are in the output, in place of their records: {"error":{"line":N,"code":...,"detail":...}}');
  if (summary.rules.length > 0) lines.push('  fields changed per rule:');
  for (const rule of summary.rules) lines.push(`    rules[${rule.rule}] ${rule.action} ${rule.path}: ${rule.changed}`);
  if (summary.auditId !== null) lines.push(`  audit event ${summary.auditId}`);
  return `${lines.join('\n')}\n`;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : 'de-identification failed';
    process.stderr.write(`phi-vault deid: ${message}\n${error instanceof UsageError ? `${USAGE}\n` : ''}`);
    process.exit(1);
  },
);
