#!/usr/bin/env node
// Builds dist/ when it is missing or older than the sources (the newcomer path: `npm start`, `npm run token`).
// In an image that ships only dist/ there is nothing to compare with, and nothing is done.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

if (!existsSync(join(root, 'src'))) process.exit(0);
const sourcesChanged = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'prisma')), statSync(join(root, 'package.json')).mtimeMs);
if (existsSync(stamp) && statSync(stamp).mtimeMs >= sourcesChanged) process.exit(0);

process.stderr.write('phi-vault: building (first run, or sources changed)...\n');
for (const [command, args] of [
  [process.execPath, [join(root, 'scripts', 'prisma-generate.mjs')]],
  [process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')]],
]) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
// The stamp carries the newest source time seen BEFORE the build, so a file saved while tsc ran is newer
// than the stamp and the next run builds again (a stamp dated after the build would hide that edit).
writeFileSync(stamp, new Date().toISOString());
const builtFrom = new Date(Math.ceil(sourcesChanged)); // whole milliseconds, never earlier than the sources
utimesSync(stamp, builtFrom, builtFrom);
