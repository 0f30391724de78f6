import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.service.js';
import { connectPg } from '../../src/prisma/postgres-target.js';
import { auditDraft } from '../support/audit-drafts.js';
import { withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

/** About 4.5 KB a line: the export (~27 MB) is far larger than every socket buffer between the vault and us. */
const EVENTS = 6_000;
const PADDING = 'p'.repeat(4_000);

/** Sessions waiting for a lock on audit_events right now. */
const waitingOnAuditEvents = (databaseUrl: string) =>
  withSql(databaseUrl, async (query) => {
    const [{ n }] = await query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'audit_events' AND NOT l.granted",
    );
    return Number(n);
  });

describe('a large audit export streams', () => {
  let vault: TestVault;
  let baseUrl: string;
  let auditor: string;

  beforeAll(async () => {
    vault = await startTestVault();
    auditor = await vault.bearer('compliance-ann', ['compliance'], ['audit:read']);
    const audit = vault.app.get(AuditLog);
    for (let start = 0; start < EVENTS; start += 500) {
      await audit.append(Array.from({ length: 500 }, (_, i) => auditDraft({ details: { n: start + i, padding: PADDING } })));
    }
    await vault.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(vault.app.getHttpServer().address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    await vault?.close();
  });

  it('sends its first lines before it has read its last page, and the whole export arrives whole', async () => {
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      get(`${baseUrl}/v1/audit/export`, { headers: { Authorization: auditor } }, resolve).on('error', reject),
    );
    expect(response.statusCode).toBe(200);
    const chunks: Buffer[] = [];
    const firstChunk = new Promise<void>((resolve) => response.once('data', () => resolve()));
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<void>((resolve, reject) => {
      response.on('end', resolve);
      response.on('error', reject);
    });
    await firstChunk;
    response.pause();

    // Block every further read of the log. If the vault had read all pages before answering, nothing would wait.
    const blocker = await connectPg(vault.database.url);
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE');
      const receivedBeforeBlocked = Buffer.concat(chunks).length;
      response.resume();
      await vi.waitFor(async () => expect(await waitingOnAuditEvents(vault.database.url)).toBeGreaterThan(0), { timeout: 30_000, interval: 50 });
      // The first lines were in our hands while the vault still had pages to read.
      expect(receivedBeforeBlocked).toBeGreaterThan(0);
      await blocker.query('ROLLBACK');
    } finally {
      await blocker.end();
    }

    await ended;
    const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(EVENTS);
    const first = JSON.parse(lines[0]);
    const last = JSON.parse(lines[lines.length - 1]);
    expect([first.seq, last.seq]).toEqual([1, EVENTS]);
    expect(last.event.details.n).toBe(EVENTS - 1);
    // Contiguous and linked across every page boundary.
    let previous = first;
    for (const text of lines.slice(1)) {
      const line = JSON.parse(text);
      expect(line.seq).toBe(previous.seq + 1);
      expect(line.prevHash).toBe(previous.hash);
      previous = line;
    }
  }, 120_000);
});
