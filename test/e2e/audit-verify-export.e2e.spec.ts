import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.service.js';
import { auditDraft } from '../support/audit-drafts.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const run = promisify(execFile);
const SCRIPT = 'scripts/verify-audit-export.mjs';
const VALUE = 'carolee.wisoky@example.com';

/** Runs the offline verifier as a third party would; resolves with its exit code and output. */
async function verifyOffline(ndjson: string): Promise<{ code: number; stdout: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'phi-vault-export-')), 'export.ndjson');
  writeFileSync(file, ndjson);
  try {
    const { stdout } = await run(process.execPath, [SCRIPT, file]);
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('audit verify and export', () => {
  let vault: TestVault;
  let auditor: string;
  let midpoint: string;

  beforeAll(async () => {
    vault = await startTestVault();
    auditor = await vault.bearer('compliance-ann', ['compliance'], ['audit:read']);
    const service = await vault.bearer('svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
    const tokenized = await vault.http().post('/v1/tokenize').set('Authorization', service).send({ items: [{ type: 'email', value: VALUE }] });
    await vault
      .http()
      .post('/v1/detokenize')
      .set('Authorization', service)
      .send({ tokens: [tokenized.body.items[0].token], purpose: 'operations', justification: 'Mailing list cleanup' });
    const audit = vault.app.get(AuditLog);
    // Unicode, nested details and null fields must survive the database and the export byte for byte.
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        audit.append([auditDraft({ justification: `Prüfung ${index} — 检查 ✓ "quoted"`, details: { b: [1, { z: null, a: 'x' }], a: index, nested: { ok: true } } })]),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    midpoint = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all(Array.from({ length: 20 }, () => audit.append([auditDraft({ purpose: null, justification: null })])));
  });
  afterAll(async () => {
    await vault?.close();
  });

  const verify = (query: Record<string, string> = {}) => vault.http().get('/v1/audit/verify').query(query).set('Authorization', auditor);
  const exportLog = (query: Record<string, string> = {}) => vault.http().get('/v1/audit/export').query(query).set('Authorization', auditor).buffer(true).parse((res, done) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => done(null, text));
  });

  it('verifies the whole chain and answers its length and head', async () => {
    const response = await verify();
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ valid: true, events: 62, head: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('checks a head exported earlier: still in place is valid; a longer or different history is not', async () => {
    const { head, events } = (await verify()).body;
    expect((await verify({ head, events: String(events) })).body).toMatchObject({ valid: true, events: 62, head });
    expect((await verify({ events: '62' })).body.valid).toBe(true);
    expect((await verify({ events: '70' })).body).toMatchObject({ valid: false, brokenAt: 63, reason: 'truncated' });
    const otherHead = 'ab'.repeat(32);
    expect((await verify({ head: otherHead, events: '62' })).body).toMatchObject({ valid: false, brokenAt: 62, reason: 'head_mismatch' });
    expect((await verify({ head: otherHead, events: '10' })).body).toMatchObject({ valid: false, brokenAt: 10, reason: 'head_mismatch' });
  });

  it.each([
    [{ head: 'ab'.repeat(32) }, 'events'],
    [{ head: 'xyz', events: '3' }, 'head'],
    [{ events: '0' }, 'events'],
    [{ events: '-1' }, 'events'],
  ])('refuses a malformed verify query %j with 422 naming %s', async (query, path) => {
    const response = await verify(query as Record<string, string>);
    expect(response.status).toBe(422);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it('refuses an unknown verify parameter with 422, without echoing its name', async () => {
    const response = await verify({ sinceSeq: '1' });
    expect(response.status).toBe(422);
    expect(response.body.errors.length).toBeGreaterThan(0);
    expect(response.text).not.toContain('sinceSeq');
  });

  it('exports NDJSON, one event a line with its links, that the documented script verifies offline', async () => {
    const response = await exportLog();
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const text = response.body as string;
    expect(text).not.toContain(VALUE);
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.seq)).toEqual(Array.from({ length: 62 }, (_, index) => index + 1));
    expect(Object.keys(lines[0]).sort()).toEqual(['event', 'hash', 'prevHash', 'seq']);
    expect(lines[0].prevHash).toBe('0'.repeat(64));
    const { head } = (await verify()).body;
    const offline = await verifyOffline(text);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('OK 62 events');
    expect(offline.stdout).toContain(`head ${head}`);
  });

  it('exports a time range as a contiguous piece of the chain, which also verifies offline', async () => {
    const before = ((await exportLog({ to: midpoint })).body as string).trimEnd().split('\n');
    const after = ((await exportLog({ from: midpoint })).body as string).trimEnd().split('\n');
    expect(before).toHaveLength(42);
    expect(after).toHaveLength(20);
    expect(JSON.parse(after[0]).prevHash).toBe(JSON.parse(before[41]).hash);
    const offline = await verifyOffline(`${after.join('\n')}\n`);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('seq 43..62');
    expect((await exportLog({ from: '2999-01-01' })).body).toBe('');
  });

  it('the offline script names the first broken seq of an edited, reordered or cut export', async () => {
    const lines = ((await exportLog()).body as string).trimEnd().split('\n');
    const edited = [...lines];
    edited[9] = edited[9].replace('"outcome":"allowed"', '"outcome":"denied"');
    expect(edited[9]).not.toBe(lines[9]);
    expect(await verifyOffline(edited.join('\n'))).toMatchObject({ code: 1, stdout: expect.stringContaining('BROKEN at seq 10') });

    const swapped = [...lines];
    [swapped[20], swapped[21]] = [swapped[21], swapped[20]];
    expect((await verifyOffline(swapped.join('\n'))).stdout).toContain('BROKEN at seq 21');

    const removed = lines.filter((_, index) => index !== 30);
    expect((await verifyOffline(removed.join('\n'))).stdout).toContain('BROKEN at seq 31');

    const cut = `${lines.slice(0, 5).join('\n')}\n${lines[5].slice(0, 40)}`;
    expect((await verifyOffline(cut)).stdout).toContain('BROKEN at seq 6');
  });

  it('export needs audit:read and validates its range', async () => {
    expect((await vault.http().get('/v1/audit/export').set('Authorization', await vault.bearer('x', [], ['audit:review']))).status).toBe(403);
    const bad = await vault.http().get('/v1/audit/export').query({ from: 'last week' }).set('Authorization', auditor);
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
