import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner, type Signer } from '../support/jwt.js';
import { runToExit, type ProcessRun } from '../support/run-to-exit.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testVaultEnv } from '../support/vault-env.js';
import { spawnVaultProcess, type VaultProcess } from '../support/vault-process.js';
import { leaks, syntheaPhi, syntheaRecords } from '../unit/deid/fixtures/real-data.js';

const CLI = fileURLToPath(new URL('../../dist/cli/deid.js', import.meta.url));
const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));
/** util-linux `script` runs a command on a pseudo-terminal: the one way to see what a terminal user sees. */
const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/** Runs `node dist/cli/deid.js` (what `npm run deid` runs after building). */
function runCli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<ProcessRun> {
  return runToExit(process.execPath, [CLI, ...args], options);
}

describe('npm run deid (CLI against a running vault)', () => {
  let database: TestDatabase;
  let signer: Signer;
  let vault: VaultProcess;
  let token: string;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    signer = createSigner();
    vault = await spawnVaultProcess(testVaultEnv(database, signer));
    token = await signer.mint({ sub: 'deid-cli-test', roles: ['service'], scope: 'vault:tokenize' });
    dir = mkdtempSync(join(tmpdir(), 'phi-vault-deid-cli-'));
  }, 60_000);
  afterAll(async () => {
    await vault?.stop();
    await database?.drop();
  });

  it('--in/--out: de-identifies a file and prints the summary', async () => {
    const records = syntheaRecords('patients');
    const input = join(dir, 'patients.ndjson');
    const output = join(dir, 'patients.deid.ndjson');
    writeFileSync(input, `${records.map((record) => JSON.stringify(record)).join('\n')}\n`);
    const run = await runCli(['--policy', 'safe-harbor', '--in', input, '--out', output, '--url', vault.url, '--token', token]);
    expect(run.stderr).toContain(`${records.length} record(s) de-identified with safe-harbor v2, 0 error line(s)`);
    expect(run.stderr).toMatch(/rules\[\d+\] redact \$\.\.first: 27/);
    expect(run.code).toBe(0);
    const text = readFileSync(output, 'utf8');
    expect(text.split('\n').slice(0, -1)).toHaveLength(records.length);
    expect(leaks(text, syntheaPhi(records))).toEqual([]);
    expect(run.stdout).toBe('');
  });

  it('stdin to stdout with VAULT_TOKEN; error lines make the exit status 3', async () => {
    const run = await runCli(['--policy', 'safe-harbor', '--url', vault.url], { stdin: '{"FIRST":"Ann","ZIP":"03601"}\nnot json\n{"n":3}\n', env: { VAULT_TOKEN: token } });
    expect(run.code).toBe(3);
    expect(run.stdout.split('\n')).toEqual(['{"FIRST":null,"ZIP":"000"}', '{"error":{"line":2,"code":"malformed_json","detail":"The line is not valid JSON."}}', '{"n":3}', '']);
    expect(run.stderr).toContain('1 error line(s)');
  });

  it('npm run -s deid: stdout is the NDJSON alone, one line per record', async () => {
    const records = syntheaRecords('patients').slice(0, 5);
    const input = `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;
    const npm = await runToExit('npm', ['run', '-s', 'deid', '--', '--policy', 'safe-harbor', '--url', vault.url, '--token', token], {
      cwd: REPOSITORY,
      stdin: input,
      env: { HOME: dir, npm_config_update_notifier: 'false' },
    });
    expect(npm.stderr).toContain('5 record(s) de-identified');
    expect(npm.code).toBe(0);
    const lines = npm.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(records.length);
    lines.forEach((line, index) => expect(Object.keys(JSON.parse(line))).toEqual(Object.keys(records[index])));
    expect(leaks(npm.stdout, syntheaPhi(records))).toEqual([]);
  }, 120_000);

  it.skipIf(!HAS_SCRIPT)('on a terminal: a progress bar and the summary on stderr; the output file is untouched by them', async () => {
    const records = syntheaRecords('encounters');
    const input = join(dir, 'encounters.ndjson');
    const output = join(dir, 'encounters.deid.ndjson');
    writeFileSync(input, `${records.map((record) => JSON.stringify(record)).join('\n')}\n`);
    const command = [process.execPath, CLI, '--policy', 'safe-harbor', '--in', input, '--out', output, '--url', vault.url, '--token', token].map((arg) => `'${arg}'`).join(' ');
    const terminal = await runToExit('script', ['-q', '-e', '-c', command, '/dev/null']);
    expect(terminal.code).toBe(0);
    // The bar is redrawn in place (carriage returns) and ends full, with the count of lines back.
    expect(terminal.stdout).toMatch(new RegExp(`\\r\\[#{30}\\] 100% ${records.length.toLocaleString('en-US')} lines back, [\\d,]+/s`));
    expect(terminal.stdout).toContain(`${records.length} record(s) de-identified with safe-harbor`);
    const text = readFileSync(output, 'utf8');
    expect(text).not.toContain('lines back');
    expect(text.split('\n').slice(0, -1).map((line) => JSON.parse(line))).toHaveLength(records.length);
    // --quiet: no bar, no summary, even on a terminal.
    const quiet = await runToExit('script', ['-q', '-e', '-c', `${command} '--quiet'`, '/dev/null']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).not.toContain('lines back');
    expect(quiet.stdout).not.toContain('de-identified with');
  });

  it('fails with the problem, not a stack trace: unknown policy, no token, bad token', async () => {
    const unknown = await runCli(['--policy', 'nope', '--url', vault.url, '--token', token], { stdin: '{}\n' });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('the vault answered 404');
    const noToken = await runCli(['--policy', 'safe-harbor', '--url', vault.url], { stdin: '{}\n' });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('no bearer token');
    const badToken = await runCli(['--policy', 'safe-harbor', '--url', vault.url, '--token', 'not-a-jwt'], { stdin: '{}\n' });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('the vault answered 401');
    const missing = await runCli(['--url', vault.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--policy is required');
  });
});
