import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { applyMigrations, type MigrationConnection, type MigrationReport } from './migrator.js';

/**
 * Dev mode without DATABASE_URL: PostgreSQL compiled to WebAssembly (PGlite), data under `<stateDir>/pgdata`.
 * This file is the one place that knows how PGlite differs from a PostgreSQL server (DEVELOPERS.md):
 * - One connection, one process. PGlite runs every query and transaction behind one mutex, so the vault's
 *   transactions are serialized rather than concurrent (isolation holds; throughput is a trial's).
 * - Advisory locks are per session and there is one session, so they are always granted at once; they only
 *   matter between processes, and the lock file below keeps a second process off the data directory.
 * - Migrations are the same SQL files, applied by the same runner, at every start.
 */
export interface EmbeddedDatabase {
  readonly adapter: PrismaPGlite;
  readonly migrations: MigrationReport;
  /** Closes PGlite, then releases the data directory. Safe to call more than once. */
  close(): Promise<void>;
}

/** Every embedded database this process opened and has not closed yet (see closeEmbeddedDatabases). */
const openDatabases = new Set<EmbeddedDatabase>();

export async function openEmbeddedDatabase(stateDir: string): Promise<EmbeddedDatabase> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const release = lockDataDirectory(join(stateDir, 'pgdata.lock'));
  let pglite: PGlite | undefined;
  try {
    pglite = await PGlite.create(join(stateDir, 'pgdata'));
    const migrations = await applyMigrations(migrationConnection(pglite));
    const opened = pglite;
    let closing: Promise<void> | undefined;
    const database: EmbeddedDatabase = {
      adapter: new PrismaPGlite(opened),
      migrations,
      close: () =>
        (closing ??= (async () => {
          openDatabases.delete(database);
          try {
            await opened.close();
          } finally {
            release();
          }
        })()),
    };
    openDatabases.add(database);
    return database;
  } catch (error) {
    await pglite?.close().catch(() => undefined); // the open or migration error is the one to report
    release();
    throw error;
  }
}

/**
 * Closes whatever embedded database is still open. For a start-up that failed after the database was
 * opened but before the application (which would close it) was handed back: main.ts calls this on the way out.
 */
export async function closeEmbeddedDatabases(): Promise<void> {
  await Promise.allSettled([...openDatabases].map((database) => database.close()));
}

/** `npm run db:migrate` in dev mode: open, migrate, close. */
export async function migrateEmbeddedDatabase(stateDir: string): Promise<MigrationReport> {
  const database = await openEmbeddedDatabase(stateDir);
  await database.close();
  return database.migrations;
}

function migrationConnection(pglite: PGlite): MigrationConnection {
  return {
    exec: async (sql) => {
      await pglite.exec(sql);
    },
    query: async <Row>(sql: string, params?: readonly unknown[]) => (await pglite.query<Row>(sql, params as unknown[])).rows,
  };
}

/** What the lock file holds: who holds the directory, and enough to tell that process from a later one with its PID. */
interface LockRecord {
  readonly pid: number;
  /** The holder's start (boot id and start tick on Linux, start time elsewhere); null where it cannot be known. */
  readonly started: string | null;
  /** Tells this lock from any other, including an earlier one of the same PID. */
  readonly nonce: string;
}

/** Locks this process holds, by nonce: a lock naming our own PID is ours only if it is one of these. */
const heldLocks = new Set<string>();

/** Attempts at the lock; a starter that finds another one removing a stale lock waits a moment between them. */
const LOCK_ATTEMPTS = 50;
const LOCK_RETRY_MS = 10;
/** A takeover marker lives for the microseconds of one removal; one this old was left by a starter that died. */
const ABANDONED_MARKER_MS = 10_000;

/**
 * PGlite must never be opened by two processes: the data directory would be corrupted. Returns the release.
 *
 * Invariants:
 * - Acquisition is atomic: the record is written to a file of our own and hard-linked to the lock's name,
 *   which fails if the lock exists (`wx` semantics). The lock file therefore always holds a complete record,
 *   and every record is unique (it carries a random nonce).
 * - A lock is stale when its process is gone, or when its PID now belongs to a process that started later
 *   (a recycled PID, a reboot, the same PID 1 in a restarted container).
 * - A stale lock is removed only by the starter that created the takeover marker for that very record, and
 *   only after reading that the lock still holds it. Of several starters that judged one lock stale, one
 *   removes it; a slow one can no longer mistake the fresh lock that replaced it (a different record) for
 *   it. Then acquisition is tried again, and exactly one starter gets the lock.
 * - Release removes the lock only while it is still ours, and runs at process exit too (a forced exit or a
 *   failed start never leaves a lock behind; only SIGKILL or a crash of the runtime does).
 *
 * Remaining limits (this is a trial mode for one process on one machine):
 * - Where neither /proc nor `ps` can tell when a process started (Windows), a recycled PID still looks
 *   like a holder; the error names the lock file to delete once no vault is running.
 * - On a file system without hard links the lock is created in place and is empty for the instant it is
 *   being written; a starter reading it in that instant takes it for stale.
 * - A starter that dies in the instant it holds a takeover marker delays others by ABANDONED_MARKER_MS.
 * - The lock is advisory and local: PIDs of another machine or another PID namespace sharing the
 *   directory (a network file system, two containers on one volume) mean nothing here.
 */
export function lockDataDirectory(lockFile: string): () => void {
  const record: LockRecord = { pid: process.pid, started: processStart(process.pid), nonce: randomBytes(8).toString('hex') };
  const text = `${JSON.stringify(record)}\n`;
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt += 1) {
    if (createExclusively(lockFile, text, record.nonce)) return holdLock(lockFile, text, record.nonce);
    const found = readLockFile(lockFile);
    if (found === null) continue; // released in the meantime
    if (isHeld(found.record)) {
      throw new Error(
        `the embedded database is in use by process ${found.record!.pid}; dev mode without DATABASE_URL is for one process on one machine (if no vault is running, delete ${lockFile})`,
      );
    }
    if (!removeStaleLock(lockFile, found.text, text, record.nonce)) pause(LOCK_RETRY_MS);
  }
  throw new Error(`could not lock the embedded database directory: ${lockFile} kept changing (is another vault starting?)`);
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** Writes the complete record to a file of our own, then links it to the lock's name: true if we created the lock. */
function createExclusively(lockFile: string, text: string, nonce: string): boolean {
  const draft = `${lockFile}.${nonce}.new`;
  writeFileSync(draft, text, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(draft, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    // A file system without hard links: create the lock itself exclusively (briefly empty while written).
    try {
      writeFileSync(lockFile, text, { flag: 'wx', mode: 0o600 });
      return true;
    } catch (fallbackError) {
      if ((fallbackError as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw fallbackError;
    }
  } finally {
    rmSync(draft, { force: true });
  }
}

function holdLock(lockFile: string, text: string, nonce: string): () => void {
  heldLocks.add(nonce);
  const release = () => {
    process.off('exit', release);
    if (!heldLocks.delete(nonce)) return;
    if (readLockFile(lockFile)?.text === text) rmSync(lockFile, { force: true });
  };
  process.on('exit', release);
  return release;
}

/** The lock file's text and its record (null when unreadable: an old or damaged lock counts as stale), or null if there is none. */
function readLockFile(lockFile: string): { text: string; record: LockRecord | null } | null {
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return { text, record: parseLockRecord(text) };
}

function parseLockRecord(text: string): LockRecord | null {
  // Locks written before the record format hold only a PID.
  if (/^\d+\s*$/.test(text)) return { pid: Number(text), started: null, nonce: '' };
  try {
    const parsed = JSON.parse(text) as Partial<LockRecord>;
    if (!Number.isInteger(parsed.pid) || typeof parsed.nonce !== 'string' || !(typeof parsed.started === 'string' || parsed.started === null)) return null;
    return { pid: parsed.pid as number, started: parsed.started, nonce: parsed.nonce };
  } catch {
    return null; // not a lock record: stale
  }
}

function isHeld(record: LockRecord | null): boolean {
  if (record === null || record.pid <= 0) return false;
  if (record.pid === process.pid) return heldLocks.has(record.nonce);
  if (!isAlive(record.pid)) return false;
  const started = processStart(record.pid);
  return record.started === null || started === null || record.started === started;
}

/**
 * Removes the lock if it still holds `staleText`, under that record's takeover marker (see lockDataDirectory).
 * False when another starter holds the marker, i.e. is removing that lock right now.
 */
function removeStaleLock(lockFile: string, staleText: string, ownText: string, nonce: string): boolean {
  const marker = `${lockFile}.takeover-${createHash('sha256').update(staleText).digest('hex').slice(0, 16)}`;
  if (!createExclusively(marker, ownText, nonce)) {
    removeIfAbandoned(marker);
    return false;
  }
  try {
    if (readLockFile(lockFile)?.text === staleText) rmSync(lockFile, { force: true });
  } finally {
    rmSync(marker, { force: true });
  }
  return true;
}

function removeIfAbandoned(marker: string): void {
  try {
    if (Date.now() - statSync(marker).mtimeMs > ABANDONED_MARKER_MS) rmSync(marker, { force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // gone already: its starter finished
  }
}

/** Start-up is synchronous here; the wait is for another starter's few microseconds of work. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When process `pid` started, as a string that differs between two processes that had the same PID: the
 * boot id and start tick on Linux, `ps`'s start time elsewhere; null when it cannot be told.
 */
function processStart(pid: number): string | null {
  if (existsSync('/proc/self/stat')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may itself hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      return `${bootId}:${fields[19]}`; // field 22 of proc(5): starttime
    } catch {
      return null; // the process is gone, or /proc is not readable
    }
  }
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 2_000 });
  const started = ps.status === 0 ? ps.stdout.trim() : '';
  return started === '' ? null : started;
}
