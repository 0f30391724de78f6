import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataDirectory } from '../../src/prisma/embedded-database.js';

const DIST_MODULE = new URL('../../dist/prisma/embedded-database.js', import.meta.url).href;

/**
 * A starter in a process of its own: it prints `ready`, tries the lock when it reads `go`, prints `won` or
 * `lost <message>`, and holds a won lock until its stdin closes (or exits without releasing on `exit`).
 */
const STARTER = `
const { lockDataDirectory } = await import(process.env.LOCK_MODULE);
const lines = (await import('node:readline')).createInterface({ input: process.stdin });
let release;
lines.on('line', (line) => {
  if (line === 'go') {
    try { release = lockDataDirectory(process.env.LOCK_FILE); console.log('won'); }
    catch (error) { console.log('lost ' + error.message); }
  } else if (line === 'exit') process.exit(1);
});
lines.on('close', () => release?.());
console.log('ready');
`;

interface Starter {
  readonly child: ChildProcess;
  /** The next line the starter prints. */
  next(): Promise<string>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function spawnStarter(lockFile: string): Starter {
  const child = spawn(process.execPath, ['--input-type=module', '-e', STARTER], {
    env: { PATH: process.env.PATH ?? '', LOCK_MODULE: DIST_MODULE, LOCK_FILE: lockFile },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, next: async () => String((await lines.next()).value) };
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
  children.push(child);
  return child;
}

const freshLockFile = () => join(mkdtempSync(join(tmpdir(), 'phi-vault-lock-')), 'pgdata.lock');

describe('the embedded data directory lock', () => {
  it('takes a free directory, records this process, and releases it', () => {
    const lockFile = freshLockFile();
    const release = lockDataDirectory(lockFile);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('refuses a second open in the same process', () => {
    const lockFile = freshLockFile();
    const release = lockDataDirectory(lockFile);
    expect(() => lockDataDirectory(lockFile)).toThrow(`in use by process ${process.pid}`);
    release();
  });

  it('refuses while another live process holds it, and names the lock file to delete', async () => {
    const lockFile = freshLockFile();
    const holder = spawnStarter(lockFile);
    expect(await holder.next()).toBe('ready');
    holder.child.stdin!.write('go\n');
    expect(await holder.next()).toBe('won');
    expect(() => lockDataDirectory(lockFile)).toThrow(new RegExp(`in use by process ${holder.child.pid}.*delete ${lockFile}`));
    holder.child.stdin!.end();
    await once(holder.child, 'exit');
    expect(existsSync(lockFile)).toBe(false);
    lockDataDirectory(lockFile)();
  });

  it('takes over a lock whose process is gone (the old PID-only format too)', async () => {
    const lockFile = freshLockFile();
    writeFileSync(lockFile, String(await deadPid()));
    const release = lockDataDirectory(lockFile);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    release();
  });

  it('takes over a lock whose PID now belongs to a process that started later (a recycled PID)', () => {
    const lockFile = freshLockFile();
    const other = sleeper();
    writeFileSync(lockFile, JSON.stringify({ pid: other.pid, started: 'the start of an earlier process', nonce: 'a1b2' }));
    const release = lockDataDirectory(lockFile);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    release();
  });

  it('takes over a lock naming this PID that this process does not hold (a restarted container)', () => {
    const lockFile = freshLockFile();
    writeFileSync(lockFile, JSON.stringify({ pid: process.pid, started: null, nonce: 'from-a-previous-life' }));
    lockDataDirectory(lockFile)();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('counts an unreadable lock as stale', () => {
    const lockFile = freshLockFile();
    writeFileSync(lockFile, 'not a lock record');
    lockDataDirectory(lockFile)();
  });

  it('on release, leaves alone a lock that is no longer ours', () => {
    const lockFile = freshLockFile();
    const release = lockDataDirectory(lockFile);
    const someoneElse = JSON.stringify({ pid: 1, started: null, nonce: 'theirs' });
    writeFileSync(lockFile, someoneElse);
    release();
    expect(readFileSync(lockFile, 'utf8')).toBe(someoneElse);
  });

  it('is released when its process exits without releasing it', async () => {
    const lockFile = freshLockFile();
    const starter = spawnStarter(lockFile);
    expect(await starter.next()).toBe('ready');
    starter.child.stdin!.write('go\n');
    expect(await starter.next()).toBe('won');
    starter.child.stdin!.write('exit\n');
    expect((await once(starter.child, 'exit'))[0]).toBe(1);
    expect(existsSync(lockFile)).toBe(false);
  });

  it.each([
    ['whose process is gone', async () => String(await deadPid())],
    ['whose PID was recycled', async () => JSON.stringify({ pid: sleeper().pid, started: 'the start of an earlier process', nonce: 'c3d4' })],
  ])('lets exactly one of several racing starters take over a stale lock %s', async (_case, staleLock) => {
    for (let round = 0; round < 3; round += 1) {
      const lockFile = freshLockFile();
      writeFileSync(lockFile, await staleLock());
      const starters = Array.from({ length: 5 }, () => spawnStarter(lockFile));
      for (const starter of starters) expect(await starter.next()).toBe('ready');
      for (const starter of starters) starter.child.stdin!.write('go\n');
      const results = await Promise.all(starters.map((starter) => starter.next()));
      const winners = starters.filter((_, index) => results[index] === 'won');
      expect(winners.length, results.join('\n')).toBe(1);
      const winner = winners[0].child.pid;
      expect(results.filter((result) => result !== 'won').every((result) => result.startsWith(`lost the embedded database is in use by process ${winner}`)), results.join('\n')).toBe(true);
      expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: winner });
      for (const starter of starters) starter.child.stdin!.end();
      await Promise.all(starters.map((starter) => (starter.child.exitCode === null ? once(starter.child, 'exit') : undefined)));
      expect(existsSync(lockFile)).toBe(false);
    }
  }, 60_000);
});
