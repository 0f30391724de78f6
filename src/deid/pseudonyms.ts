import { splitFhirReference } from './fhir-references.js';

/**
 * The `hash` action's output: a keyed HMAC, written so it still fits where the value was. A UUID becomes a
 * UUID-shaped pseudonym (version 4 bits set), anything else 32 hex characters (128 bits, a valid FHIR id).
 * The MAC comes from the caller (`digest`), which holds the key; nothing here sees one.
 */
export type Digest = (value: string) => Buffer;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function pseudonym(value: string, digest: Digest): string {
  const mac = digest(value);
  if (!UUID.test(value)) return mac.toString('hex', 0, 16);
  const bytes = Buffer.from(mac.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A FHIR id or reference with its id part pseudonymized (fhir-references.ts); null: remove it (conditional). */
export function pseudonymizeFhirReference(value: string, digest: Digest): string | null {
  const parts = splitFhirReference(value);
  if (parts.kind === 'conditional') return null;
  if (parts.kind === 'keep') return value;
  return `${parts.prefix}${pseudonym(parts.id, digest)}${parts.suffix}`;
}
