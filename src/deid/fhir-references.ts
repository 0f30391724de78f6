import { FHIR_R4_RESOURCE_TYPES } from '../policies/fhir-resource-types.js';

/**
 * FHIR values that point at resources (ids, references, fullUrls, request urls) keep their shape when they
 * are tokenized or pseudonymized, so a de-identified Bundle still resolves: only the id part is replaced,
 * with what the resource's own `id` gets. `Patient/123` -> `Patient/<t(123)>` (a server base URL in front is
 * dropped, a `/_history/N` version kept), `urn:uuid:<u>` -> `urn:uuid:<t(u)>`, `#contained` -> `#<t(contained)>`;
 * a bare resource type stays. A conditional reference (`Patient?identifier=...`) carries search values and
 * is removed. Anything else is an id as a whole.
 */
export type ReferenceParts =
  | { readonly kind: 'id'; readonly prefix: string; readonly id: string; readonly suffix: string }
  | { readonly kind: 'keep' }
  | { readonly kind: 'conditional' };

const TYPED_REFERENCE = /^(?:.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const BARE_TYPE = /^[A-Z][A-Za-z]+$/;
const URN_UUID = 'urn:uuid:';

export function splitFhirReference(value: string): ReferenceParts {
  if (value.includes('?')) return { kind: 'conditional' };
  if (value.startsWith('#')) return value.length === 1 ? { kind: 'keep' } : { kind: 'id', prefix: '#', id: value.slice(1), suffix: '' };
  if (value.startsWith(URN_UUID) && value.length > URN_UUID.length) return { kind: 'id', prefix: URN_UUID, id: value.slice(URN_UUID.length), suffix: '' };
  if (BARE_TYPE.test(value) && FHIR_R4_RESOURCE_TYPES.has(value)) return { kind: 'keep' };
  const typed = TYPED_REFERENCE.exec(value);
  if (typed !== null && FHIR_R4_RESOURCE_TYPES.has(typed[1])) return { kind: 'id', prefix: `${typed[1]}/`, id: typed[2], suffix: typed[3] ?? '' };
  return { kind: 'id', prefix: '', id: value, suffix: '' };
}

/** The id part of a reference, for per-patient date shifts: `Patient/123`, `urn:uuid:123` and `123` all give `123`. */
export function referencedId(reference: string): string {
  const parts = splitFhirReference(reference);
  return parts.kind === 'id' ? parts.id : reference;
}
