import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.service.js';
import { GroupCommitTimeoutError } from '../../src/common/batching/group-commit.js';
import { connectPg } from '../../src/prisma/postgres-target.js';
import { PrismaService } from '../../src/prisma/prisma.service.js';
import { auditDraft } from '../support/audit-drafts.js';
import { countRows, withSql } from '../support/db-inspect.js';
import { createSigner } from '../support/jwt.js';
import { startTestVault, type TestVault } from '../support/vault.js';

/** The audit chain lock every writer takes (audit_append): "phi-audi" as a bigint. */
const CHAIN_LOCK = '8099839573455365225';
const SSN = '219-09-9999';
const signer = createSigner(); // vaults alive at the same time in one test process share a signer

/** Another session holding the chain lock, as a stuck vault process or an operator's open transaction would. */
async function holdChainLock(databaseUrl: string, how: 'session' | 'transaction') {
  const holder = await connectPg(databaseUrl);
  if (how === 'session') await holder.query('SELECT pg_advisory_lock($1::bigint)', [CHAIN_LOCK]);
  else {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1::bigint)', [CHAIN_LOCK]);
  }
  return {
    release: async () => {
      await holder.query(how === 'session' ? 'SELECT pg_advisory_unlock($1::bigint)' : 'ROLLBACK', how === 'session' ? [CHAIN_LOCK] : []);
      await holder.end();
    },
  };
}

/** Sessions queued for the chain lock right now. */
async function waitingForChainLock(databaseUrl: string): Promise<number> {
  return withSql(databaseUrl, async (query) => {
    const [{ n }] = await query<{ n: string }>("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    return Number(n);
  });
}

describe('fail closed with a deadline: a held chain lock answers 503, never a hang', () => {
  let vault: TestVault;
  let service: string;
  let token: string;

  beforeAll(async () => {
    vault = await startTestVault({ signer, env: { AUDIT_APPEND_TIMEOUT_MS: '300', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '1000' } });
    service = await vault.bearer('svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
    const response = await vault.http().post('/v1/tokenize').set('Authorization', service).send({ items: [{ type: 'ssn', value: SSN }] });
    token = response.body.items[0].token;
  });
  afterAll(async () => {
    await vault?.close();
  });

  const detokenize = () =>
    vault.http().post('/v1/detokenize').set('Authorization', service).send({ tokens: [token], purpose: 'treatment', justification: 'Medication reconciliation' });
  const verify = async () => (await vault.http().get('/v1/audit/verify').set('Authorization', await vault.bearer('compliance', ['compliance'], ['audit:read']))).body;

  it.each(['session', 'transaction'] as const)('detokenize answers 503 and reveals nothing while a %s holds the lock; released, the next call succeeds', async (how) => {
    const eventsBefore = await countRows(vault.database.url, 'audit_events');
    const holder = await holdChainLock(vault.database.url, how);
    try {
      const refused = await Promise.all(Array.from({ length: 6 }, () => detokenize()));
      for (const response of refused) {
        expect(response.status).toBe(503);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body).toMatchObject({ code: 'audit_unavailable', status: 503 });
        expect(response.text).not.toContain(SSN);
        expect(response.text).not.toContain('219099999');
        expect(response.text).not.toMatch(/lock|timeout|55P03/i);
      }
      // The lock is still held: nothing of the failed batches can have been written.
      expect(await countRows(vault.database.url, 'audit_events')).toBe(eventsBefore);
      // Each batch gave up its lock wait when its callers' deadline passed (within the few ms the statement took
      // to reach the server): none is left to commit the refused calls' events once the lock is free.
      await vi.waitFor(async () => expect(await waitingForChainLock(vault.database.url)).toBe(0), { timeout: 10_000, interval: 50 });
    } finally {
      await holder.release();
    }
    const served = await detokenize();
    expect(served.status).toBe(200);
    expect(served.body.items[0].value).toBe(SSN);
    expect(await countRows(vault.database.url, 'audit_events')).toBe(eventsBefore + 1);
    expect(await verify()).toMatchObject({ valid: true, events: eventsBefore + 1 });
    expect(vault.logs.join('')).not.toContain(SSN);
  });

  it('tokenize, which appends inside its own transaction, answers 503 and stores nothing while the lock is held', async () => {
    const tokensBefore = await countRows(vault.database.url, 'tokens');
    const holder = await holdChainLock(vault.database.url, 'session');
    try {
      const refused = await vault.http().post('/v1/tokenize').set('Authorization', service).send({ items: [{ type: 'ssn', value: '078-05-1120' }] });
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe('audit_unavailable');
      expect(refused.text).not.toContain('078-05-1120');
      expect(await countRows(vault.database.url, 'tokens')).toBe(tokensBefore);
    } finally {
      await holder.release();
    }
    expect((await vault.http().post('/v1/tokenize').set('Authorization', service).send({ items: [{ type: 'ssn', value: '078-05-1120' }] })).status).toBe(200);
    expect(await verify()).toMatchObject({ valid: true });
  });

  it('a key rotation answers 503 and adds no data-key version while the lock is held', async () => {
    const admin = await vault.bearer('key-officer', ['admin'], ['vault:admin']);
    const versions = () => withSql(vault.database.url, async (query) => (await query<{ n: string }>("SELECT count(*) AS n FROM wrapped_keys WHERE purpose = 'data'"))[0].n);
    const before = await versions();
    const holder = await holdChainLock(vault.database.url, 'session');
    try {
      const refused = await vault.http().post('/v1/admin/keys/rotate').set('Authorization', admin);
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe('audit_unavailable');
      expect(await versions()).toBe(before);
    } finally {
      await holder.release();
    }
  });

  it('the lock wait is confined to audit_append: a caller transaction keeps its own lock_timeout', async () => {
    const holder = await holdChainLock(vault.database.url, 'session');
    try {
      await withSql(vault.database.url, async (query) => {
        await query('BEGIN');
        await query("SET LOCAL lock_timeout = '42s'");
        // Would wait 42 s under the caller's setting; the function waits its own 200 ms.
        await expect(query(`SELECT * FROM audit_append('[]'::jsonb, 200)`)).rejects.toMatchObject({ code: '55P03' });
        await query('ROLLBACK');
        await query('BEGIN');
        await query("SET LOCAL lock_timeout = '42s'");
        await holder.release();
        await query(`SELECT * FROM audit_append('[]'::jsonb, 200)`);
        expect((await query<{ lock_timeout: string }>('SHOW lock_timeout'))[0].lock_timeout).toBe('42s');
        await query('ROLLBACK');
      });
      await expect(withSql(vault.database.url, (query) => query(`SELECT * FROM audit_append('[]'::jsonb, 0)`))).rejects.toThrow(/lock_wait_ms must be a positive/);
    } finally {
      await holder.release().catch(() => undefined);
    }
  });

  it('a vault transaction left idle while holding the chain lock is ended by the server, which releases the lock', async () => {
    const prisma = vault.app.get(PrismaService);
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // A transaction that takes the chain lock and then stalls, as a frozen vault process would.
    const stalled = prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHAIN_LOCK}::bigint)`;
        locked();
        await resumed;
        await tx.$queryRaw`SELECT 1`;
      },
      { timeout: 60_000 },
    );
    const outcome = stalled.then(
      () => 'committed',
      () => 'ended by the server',
    );
    try {
      await isLocked;
      expect((await detokenize()).status).toBe(503);
      // DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS=1000: the server ends the session and its lock goes with it.
      await vi.waitFor(async () => expect((await detokenize()).status).toBe(200), { timeout: 30_000, interval: 250 });
    } finally {
      resume();
    }
    expect(await outcome).toBe('ended by the server');
    expect(await verify()).toMatchObject({ valid: true });
  });
});

describe('fail closed with a deadline: the pool connection wait is bounded', () => {
  it('an append that cannot get a database connection fails after DATABASE_CONNECT_TIMEOUT_MS, before its own deadline', async () => {
    const vault = await startTestVault({ signer, env: { DATABASE_POOL_SIZE: '1', DATABASE_CONNECT_TIMEOUT_MS: '300', AUDIT_APPEND_TIMEOUT_MS: '60000' } });
    const prisma = vault.app.get(PrismaService);
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let occupied!: () => void;
    const isOccupied = new Promise<void>((resolve) => (occupied = resolve));
    // The pool's only connection, held by a transaction that does nothing until told.
    const holding = prisma.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        occupied();
        await resumed;
      },
      { timeout: 60_000 },
    );
    try {
      await isOccupied;
      const failure = await vault.app
        .get(AuditLog)
        .append([auditDraft()])
        .then(
          () => null,
          (error: unknown) => error as { code?: string; cause?: unknown },
        );
      expect(failure).toMatchObject({ code: 'audit_unavailable' });
      expect(failure?.cause).not.toBeInstanceOf(GroupCommitTimeoutError); // the connection wait failed, not the 60 s deadline
    } finally {
      resume();
      await holding;
      await vault.close();
    }
  });

  it('a database that accepts connections but never answers fails the start within the connect timeout, never hangs it', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket)); // a hung server: TCP accepted, no reply ever
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `postgresql://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/phi_vault`;
    try {
      const started = startTestVault({
        signer,
        database: { name: 'silent', url, drop: async () => undefined },
        env: { DATABASE_URL: url, DATABASE_CONNECT_TIMEOUT_MS: '300' },
      });
      await expect(started).rejects.toThrow();
      expect(sockets.length).toBeGreaterThan(0); // it did try, and gave up
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
