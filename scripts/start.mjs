#!/usr/bin/env node
// `npm start`, the newcomer path: build if needed, migrate, start the vault (dev mode unless told otherwise),
// wait until it is ready, and print three commands to try it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, VAULT_DEV_MODE: process.env.VAULT_DEV_MODE ?? 'true' };
const node = (args) => spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' }).status;
const READY_WITHIN_MS = 60_000;

if (node([join(root, 'scripts', 'ensure-build.mjs')]) !== 0) process.exit(1);
if (node([join(root, 'dist', 'cli', 'db-migrate.js')]) !== 0) process.exit(1);

// Readiness comes from our own child over IPC, sent once ITS listen succeeded: probing the port instead
// could reach another server already there (the docker compose vault on 8080) and call it ready. A busy
// port makes the child exit with its own one-line hint, and we exit with its code.
// The child gets its own process group (not on Windows, where that would open a console), so that Ctrl-C
// in the terminal reaches it once, through us, and it shuts down gracefully rather than on a second signal.
// The Node options the Docker image runs with (its ENV NODE_OPTIONS line, as npm run bench reads it), unless
// NODE_OPTIONS is set here.
// (The runtime image ships no Dockerfile; there NODE_OPTIONS is already set by it.)
const dockerfile = join(root, 'Dockerfile');
const imageNodeOptions = existsSync(dockerfile) ? (/^ENV NODE_OPTIONS="([^"]*)"$/m.exec(readFileSync(dockerfile, 'utf8'))?.[1] ?? '') : '';
const nodeOptions = process.env.NODE_OPTIONS ? [] : imageNodeOptions.split(' ').filter(Boolean);
const vault = spawn(process.execPath, [...nodeOptions, join(root, 'dist', 'main.js')], {
  cwd: root,
  env,
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  detached: process.platform !== 'win32',
});
// A closed terminal (SIGHUP) no longer reaches the child directly: pass it on as the graceful SIGTERM.
for (const [signal, forwarded] of [['SIGINT', 'SIGINT'], ['SIGTERM', 'SIGTERM'], ['SIGHUP', 'SIGTERM']]) {
  process.on(signal, () => vault.kill(forwarded));
}
process.on('exit', () => {
  if (vault.exitCode === null && vault.signalCode === null) vault.kill('SIGTERM');
});
vault.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

const listening = await new Promise((resolve) => {
  const timer = setTimeout(() => resolve(undefined), READY_WITHIN_MS);
  vault.on('message', (message) => {
    if (message?.type !== 'phi-vault:listening') return;
    clearTimeout(timer);
    resolve(message);
  });
});
const readiness = listening === undefined ? undefined : await readinessOf(listening.url, Date.now() + READY_WITHIN_MS);
if (readiness === undefined) {
  process.stderr.write('phi-vault: the vault did not become ready within a minute\n');
  vault.kill('SIGTERM');
  process.exit(1);
}

async function readinessOf(base, deadline) {
  while (Date.now() < deadline && vault.exitCode === null) {
    try {
      const response = await fetch(`${base}/health/ready`);
      if (response.ok) return await response.json();
    } catch {
      // not answering yet: try again below
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}

const base = listening.url;
const stateDir = listening.stateDir;
const shownStateDir = stateDir === null ? null : shortPath(stateDir);
const devNote = stateDir === null ? '' : ` in DEV MODE (keys under ${shownStateDir}; never put real PHI in it)`;
// The token command reads the keys from VAULT_STATE_DIR, so another terminal needs the same one.
const stateDirNote = stateDir !== null && env.VAULT_STATE_DIR?.trim() ? `, with VAULT_STATE_DIR=${stateDir} exported` : '';
process.stdout.write(`
phi-vault is ready at ${base}${devNote}. API docs: ${base}/docs
Backends: database ${readiness.backends.database}; cache ${readiness.backends.cache}.

Try it (copy and paste, in another terminal, from this directory${stateDirNote}):

  export TOKEN=$(npm run -s token -- --sub alice --roles service --scope "vault:tokenize vault:detokenize")

  export SSN_TOKEN=$(curl -s -X POST ${base}/v1/tokenize -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"items":[{"type":"ssn","value":"123-45-6789"}]}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).items[0].token'); echo "$SSN_TOKEN"

  curl -s -X POST ${base}/v1/detokenize -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "{\\"tokens\\":[\\"$SSN_TOKEN\\"],\\"purpose\\":\\"treatment\\",\\"justification\\":\\"Trying the vault from the README\\"}"

Stop it with Ctrl-C: requests in flight finish, then it exits.

`);

/** `.vault/` for the default, the path as given otherwise. */
function shortPath(path) {
  const inside = relative(root, path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? `${inside}/` : path;
}
