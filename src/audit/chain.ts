import { createHash } from 'node:crypto';
import type { AuditEvent } from './audit-event.js';

/** The hash the first event chains to. */
export const GENESIS_HASH = Buffer.alloc(32);

/**
 * JSON with object keys sorted at every depth (by UTF-16 code units, as Array.prototype.sort orders strings) and
 * no whitespace: one byte string per event. Written as plain loops: it runs for every audit event, on the
 * request path, so it allocates no entry pairs or intermediate arrays.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out += ',';
      if (i in value) out += canonicalJson(value[i]); // a hole joins as nothing, as Array.prototype.join has it
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  let out = '{';
  for (const key of sortedKeys(object)) {
    const field = object[key];
    if (field === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(field)}`;
  }
  return `${out}}`;
}

/** Object.keys in code-unit order. Small key sets (the usual case) sort in place, without sort's scratch copy. */
function sortedKeys(object: object): string[] {
  const keys = Object.keys(object);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i += 1) {
    const key = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > key; j -= 1) keys[j + 1] = keys[j];
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * Everything an event asserts, as the object its hash covers (an export line carries exactly this object,
 * so a third party can recompute the hash). `seq` is a decimal string: JSON numbers lose precision past 2^53.
 */
export function hashedFields(event: AuditEvent): Record<string, unknown> {
  return hashedFieldsWithSeq(event, event.seq.toString());
}

/** hashedFields, with the seq given apart (canonicalAroundSeq has none yet, and copying the event to add one costs). */
function hashedFieldsWithSeq(event: Omit<AuditEvent, 'seq'>, seq: string): Record<string, unknown> {
  return {
    v: 1,
    id: event.id,
    seq,
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
  const fields = hashedFieldsWithSeq(event, '0');
  // action (before) and v (after) are always present, so neither half is empty and the joins are well-formed.
  return [`{${members(fields, KEYS_BEFORE_SEQ)},"seq":"`, `",${members(fields, KEYS_AFTER_SEQ)}}`];
}

/** hashedFields' keys in canonical order, on either side of "seq" (a unit test holds this to hashedFields). */
export const KEYS_BEFORE_SEQ = ['action', 'actor', 'at', 'breakGlass', 'details', 'id', 'justification', 'outcome', 'purpose'] as const;
export const KEYS_AFTER_SEQ = ['tokenKeys', 'tokens', 'v'] as const;

function members(fields: Record<string, unknown>, keys: readonly string[]): string {
  let out = '';
  for (const key of keys) {
    const field = fields[key];
    if (field === undefined) continue;
    if (out !== '') out += ',';
    out += `"${key}":${canonicalJson(field)}`;
  }
  return out;
}

/** hash = SHA-256(previous hash || canonical event). Changing, dropping or moving any event breaks every later link. */
export function chainHash(prevHash: Buffer, event: AuditEvent): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalEvent(event), 'utf8').digest();
}
