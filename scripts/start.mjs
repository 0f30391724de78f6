#!/usr/bin/env node
// `npm start`, the newcomer path: build if needed, migrate, start the vault (dev mode unless told otherwise),
// wait until it is ready, and print three commands to try it.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, VAULT_DEV_MODE: process.env.VAULT_DEV_MODE ?? 'true' };
const node = (args) => spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' }).status;

if (node([join(root, 'scripts', 'ensure-build.mjs')]) !== 0) process.exit(1);
if (node([join(root, 'dist', 'cli', 'db-migrate.js')]) !== 0) process.exit(1);

const host = env.HOST || '127.0.0.1';
const port = env.PORT || '8080';
const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
const vault = spawn(process.execPath, [join(root, 'dist', 'main.js')], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => vault.kill(signal));
vault.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

const deadline = Date.now() + 60_000;
let readiness;
while (Date.now() < deadline && vault.exitCode === null) {
  try {
    const response = await fetch(`${base}/health/ready`);
    if (response.ok) {
      readiness = await response.json();
      break;
    }
  } catch {
    // not listening yet
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
if (vault.exitCode !== null) process.exit(vault.exitCode);
if (readiness === undefined) {
  process.stderr.write('phi-vault: the vault did not become ready within a minute\n');
  vault.kill('SIGTERM');
  process.exit(1);
}

const devNote = env.VAULT_DEV_MODE === 'true' ? ' in DEV MODE (keys under .vault/; never put real PHI in it)' : '';
process.stdout.write(`
phi-vault is ready at ${base}${devNote}. API docs: ${base}/docs
Backends: database ${readiness.backends.database}; cache ${readiness.backends.cache}.

Try it (copy and paste, in another terminal, from this directory):

  export TOKEN=$(npm run -s token -- --sub alice --roles service --scope "vault:tokenize vault:detokenize")

  export SSN_TOKEN=$(curl -s -X POST ${base}/v1/tokenize -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"items":[{"type":"ssn","value":"123-45-6789"}]}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).items[0].token'); echo "$SSN_TOKEN"

  curl -s -X POST ${base}/v1/detokenize -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "{\\"tokens\\":[\\"$SSN_TOKEN\\"],\\"purpose\\":\\"treatment\\",\\"justification\\":\\"Trying the vault from the README\\"}"

`);
