import { FHIR_R4_RESOURCE_TYPES } from '../policies/fhir-resource-types.js';

/**
 * The `hash` action's output: a keyed HMAC, written so it still fits where the value was. A UUID becomes a
 * UUID-shaped pseudonym (version 4 bits set), anything else 32 hex characters (128 bits, a valid FHIR id).
 * The MAC comes from the caller (`digest`), which holds the key; nothing here sees one.
 */
export type Digest = (value: string) => Buffer;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPED_REFERENCE = /^(?:.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const BARE_TYPE = /^[A-Z][A-Za-z]+$/;

export function pseudonym(value: string, digest: Digest): string {
  const mac = digest(value);
  if (!UUID.test(value)) return mac.toString('hex', 0, 16);
  const bytes = Buffer.from(mac.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * FHIR values that point at resources (ids, references, fullUrls, request urls) keep their shape so a
 * pseudonymized Bundle still resolves: only the id part is replaced, with the same pseudonym the resource's
 * own `id` gets. `Patient/123` -> `Patient/<p(123)>` (a server base URL in front is dropped),
 * `urn:uuid:<u>` -> `urn:uuid:<p(u)>`, `#contained` -> `#<p(contained)>`; a bare resource type stays.
 * A conditional reference (`Patient?identifier=...`) carries search values: null, i.e. redact it.
 */
export function pseudonymizeFhirReference(value: string, digest: Digest): string | null {
  if (value.includes('?')) return null;
  if (value.startsWith('#')) return value.length === 1 ? value : `#${pseudonym(value.slice(1), digest)}`;
  if (value.startsWith('urn:uuid:')) return `urn:uuid:${pseudonym(value.slice('urn:uuid:'.length), digest)}`;
  if (BARE_TYPE.test(value) && FHIR_R4_RESOURCE_TYPES.has(value)) return value;
  const typed = TYPED_REFERENCE.exec(value);
  if (typed !== null && FHIR_R4_RESOURCE_TYPES.has(typed[1])) return `${typed[1]}/${pseudonym(typed[2], digest)}${typed[3] ?? ''}`;
  return pseudonym(value, digest);
}

/** The id part of a reference, for per-patient date shifts: `Patient/123`, `urn:uuid:123` and `123` all give `123`. */
export function referencedId(reference: string): string {
  if (reference.startsWith('urn:uuid:')) return reference.slice('urn:uuid:'.length);
  const typed = TYPED_REFERENCE.exec(reference);
  return typed === null ? reference : typed[2];
}
