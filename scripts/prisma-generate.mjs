#!/usr/bin/env node
// Generates the Prisma client into src/generated/prisma.
// `prisma generate` refuses to run unless PRISMA_SCHEMA_ENGINE_BINARY names an existing file, although
// generating never executes the schema engine (it cannot be downloaded on every machine). Point it at the
// running node binary when nothing else is configured. Skips the work when the client is newer than the schema.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schema = join(root, 'prisma', 'schema.prisma');
const marker = join(root, 'src', 'generated', 'prisma', 'client.ts');

if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(schema).mtimeMs && !process.argv.includes('--force')) {
  process.exit(0);
}
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
const prismaBin = join(root, 'node_modules', 'prisma', 'build', 'index.js');
const result = spawnSync(process.execPath, [prismaBin, 'generate'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
process.exit(result.status ?? 1);
