import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START = join(ROOT, 'scripts', 'start.mjs');

/** `npm start` as a newcomer runs it: no DATABASE_URL, no REDIS_URL, so embedded mode; keys in a state directory of the test's own. */
function runStart(stateDir: string, port: number): { child: ChildProcess; stdout: string[]; stderr: string[] } {
  const child = spawn(process.execPath, [START], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), VAULT_STATE_DIR: stateDir, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  return { child, stdout, stderr };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function until(condition: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('npm start (scripts/start.mjs) in embedded mode', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'phi-vault-start-'));
  const running: ChildProcess[] = [];
  let impostor: Server | undefined;
  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGTERM');
    impostor?.close();
  });

  it('prints three commands that, run exactly as printed, tokenize and detokenize a value', async () => {
    const port = await freePort();
    const start = runStart(stateDir, port);
    running.push(start.child);
    const banner = () => start.stdout.join('');
    await until(() => banner().includes('Stop it with Ctrl-C') || start.child.exitCode !== null, () => banner() + start.stderr.join(''), 240_000);
    expect(start.child.exitCode, start.stderr.join('')).toBeNull();
    expect(banner()).toContain(`ready at http://127.0.0.1:${port} in DEV MODE (keys under ${stateDir};`);
    expect(banner()).not.toContain('.vault/');

    const lines = banner().split('\n');
    const commands = lines.slice(lines.findIndex((line) => line.startsWith('Try it'))).filter((line) => line.startsWith('  '));
    expect(commands).toHaveLength(3);
    const tried = spawnSync('bash', ['-c', ['set -e', ...commands].join('\n')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), VAULT_STATE_DIR: stateDir },
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(tried.status, tried.stderr).toBe(0);
    const [tokenLine, answerLine] = tried.stdout.trim().split('\n').slice(-2);
    const answer = JSON.parse(answerLine) as { items: { token: string; reveal: string; value: string }[] };
    expect(answer.items).toEqual([{ token: tokenLine, type: 'ssn', reveal: 'plain', value: '123-45-6789' }]);

    // Stopping npm start stops the vault gracefully, and the embedded database lets go of its directory.
    start.child.kill('SIGTERM');
    const [code] = await once(start.child, 'exit');
    expect(code).toBe(0);
    expect(existsSync(join(stateDir, 'pgdata.lock'))).toBe(false);
  }, 600_000);

  it('on a port another server answers, says so in one line with a PORT= hint and never reports ready', async () => {
    let impostorRequests = 0;
    impostor = createServer((_request, response) => {
      impostorRequests += 1;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ status: 'ok', backends: { database: 'postgresql', cache: 'redis' } }));
    });
    impostor.listen(0, '127.0.0.1');
    await once(impostor, 'listening');
    const { port } = impostor.address() as AddressInfo;

    const start = runStart(stateDir, port);
    running.push(start.child);
    const [code] = await once(start.child, 'exit');
    const output = start.stdout.join('') + start.stderr.join('');
    expect(code, output).toBe(1);
    const inUse = output.split('\n').filter((line) => line.includes('already in use'));
    expect(inUse).toEqual([expect.stringMatching(new RegExp(`^phi-vault: could not start: 127\\.0\\.0\\.1:${port} is already in use.*PORT=\\d+`))]);
    expect(start.stdout.join('')).not.toMatch(/ready/);
    expect(impostorRequests).toBe(0);
    // The start failed after the embedded database was opened: it was closed again.
    expect(existsSync(join(stateDir, 'pgdata.lock'))).toBe(false);
  }, 600_000);
});
