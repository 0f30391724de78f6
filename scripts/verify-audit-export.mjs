#!/usr/bin/env node
// Verifies a phi-vault audit export (NDJSON from GET /v1/audit/export) offline, without the vault:
//   node scripts/verify-audit-export.mjs export.ndjson     (or: ... < export.ndjson)
// Each line is {seq, prevHash, hash, event}; hash must equal SHA-256(prevHash bytes || canonical JSON of event),
// where canonical JSON sorts object keys at every depth and has no whitespace. Each line must link to the one
// before it, with consecutive seqs. Prints the first seq, the hash it chains to and the head, or the first
// broken seq (exit status 1). Compare the head with one kept elsewhere to detect a rewritten log.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const canonical = (v) =>
  v === null || typeof v !== 'object' ? JSON.stringify(v)
  : Array.isArray(v) ? `[${v.map(canonical).join(',')}]`
  : `{${Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
const fail = (seq, why) => { console.log(`BROKEN at seq ${seq}: ${why}`); process.exit(1); };

let first = null, prev = null, count = 0;
for await (const text of createInterface({ input: process.argv[2] ? createReadStream(process.argv[2]) : process.stdin, crlfDelay: Infinity })) {
  if (text.trim() === '') continue;
  let line; try { line = JSON.parse(text); } catch { fail(prev ? prev.seq + 1 : '?', 'not a JSON line (truncated export?)'); }
  if (String(line.seq) !== line.event?.seq) fail(line.seq, 'seq differs from the hashed event');
  if (prev && line.seq !== prev.seq + 1) fail(prev.seq + 1, 'missing (seqs not consecutive)');
  if (prev && line.prevHash !== prev.hash) fail(line.seq, 'does not link to the line before (removed, moved or edited)');
  const hash = createHash('sha256').update(Buffer.from(line.prevHash, 'hex')).update(canonical(line.event), 'utf8').digest('hex');
  if (hash !== line.hash) fail(line.seq, 'content does not match its hash (edited)');
  first ??= line; prev = line; count += 1;
}
if (count === 0) fail('-', 'no events in the export');
console.log(`OK ${count} events, seq ${first.seq}..${prev.seq}, chained to ${first.prevHash}; head ${prev.hash}`);
