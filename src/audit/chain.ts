import { createHash } from 'node:crypto';
import type { AuditEvent } from './audit-event.js';

/** The hash the first event chains to. */
export const GENESIS_HASH = Buffer.alloc(32);

/** JSON with object keys sorted at every depth and no whitespace: one byte string per event. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Everything an event asserts, as the object its hash covers (an export line carries exactly this object,
 * so a third party can recompute the hash). `seq` is a decimal string: JSON numbers lose precision past 2^53.
 */
export function hashedFields(event: AuditEvent): Record<string, unknown> {
  return {
    v: 1,
    id: event.id,
    seq: event.seq.toString(),
    at: event.at.toISOString(),
    actor: { sub: event.actor.sub, roles: [...event.actor.roles], clientId: event.actor.clientId },
    action: event.action,
    purpose: event.purpose,
    justification: event.justification,
    breakGlass: event.breakGlass,
    tokens: [...event.tokens],
    tokenKeys: [...event.tokenKeys],
    outcome: event.outcome,
    details: event.details,
  };
}

/** The canonical encoding an event's hash covers. */
export function canonicalEvent(event: AuditEvent): string {
  const [beforeSeq, afterSeq] = canonicalAroundSeq(event);
  return `${beforeSeq}${event.seq}${afterSeq}`;
}

/**
 * The canonical encoding of an event whose seq is not known yet, as the text before and after the seq's
 * digits. Invariant (property-tested): before + seq + after = canonicalJson(hashedFields(event)). The
 * database assigns the seq under the chain lock and completes the hash the same way (audit_append).
 */
export function canonicalAroundSeq(event: Omit<AuditEvent, 'seq'>): [beforeSeq: string, afterSeq: string] {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(hashedFields({ ...event, seq: 0n }))) {
    if (key < 'seq') before[key] = value;
    else if (key > 'seq') after[key] = value;
  }
  // Both halves always hold fields (action..purpose before, tokenKeys..v after), so the joins are well-formed.
  return [`${canonicalJson(before).slice(0, -1)},"seq":"`, `",${canonicalJson(after).slice(1)}`];
}

/** hash = SHA-256(previous hash || canonical event). Changing, dropping or moving any event breaks every later link. */
export function chainHash(prevHash: Buffer, event: AuditEvent): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalEvent(event), 'utf8').digest();
}
