import type { z } from 'zod';
import { AuditExportQuerySchema, AuditListQuerySchema, AuditVerifyQuerySchema } from '../audit/dto/audit-query.dto.js';
import { ReviewRequestSchema } from '../audit/dto/audit-review.dto.js';
import { SCOPES, type Scope } from '../auth/principal.js';
import { ErasureRequestSchema } from '../erasure/dto/erasure-request.dto.js';
import { PolicyDocumentSchema } from '../policies/policy-document.js';
import { DetokenizeRequestSchema } from '../tokens/dto/detokenize.dto.js';
import { TokenizeRequestSchema } from '../tokens/dto/tokenize.dto.js';

/** What the OpenAPI document says about one operation, beyond what the controllers' routes give it. */
export interface OperationDoc {
  readonly summary: string;
  /** The JWT scope it needs (CONTRACT section 2); null for health, metrics and docs. */
  readonly scope: Scope | null;
  readonly body?: { readonly schema: z.ZodType; readonly example: unknown } | { readonly ndjson: string };
  readonly query?: z.ZodType;
  /** Status -> description and example body; `ndjson` answers stream one JSON value a line. */
  readonly responses: Readonly<Record<number, { readonly description: string; readonly example?: unknown; readonly ndjson?: true }>>;
  /** Error statuses it can answer besides 401/403 (every /v1 operation) with problem+json. */
  readonly errors?: readonly number[];
}

const AUDIT_ID = '0f6c2b1e-7a4d-4c5e-9b8a-1d2e3f405162';
const EVENT = {
  id: AUDIT_ID,
  seq: '1042',
  at: '2026-12-01T14:03:11.482Z',
  actor: { sub: 'dr-house', roles: ['clinician'], clientId: 'ehr-frontend' },
  action: 'detokenize',
  purpose: 'treatment',
  justification: "Reconciling insurance eligibility for today's visit",
  breakGlass: false,
  tokens: ['987-65-4320'],
  outcome: 'allowed',
  review: null,
  details: { reveals: { plain: 0, masked: 1, denied: 0, not_found: 0 }, patientRefs: ['P-000123'] },
};
const JOB = {
  jobId: '5b0f3c52-9d7e-4b1a-8c3f-2e6d7a9b0c14',
  kind: 'reencrypt',
  state: 'running',
  done: 1500,
  total: 40000,
  targetVersion: 3,
  createdAt: '2026-12-01T15:00:02.000Z',
  finishedAt: null,
};

export const OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  'POST /v1/tokenize': {
    summary: 'Replace values by format-preserving tokens (deterministic, random, or vaultless fpe)',
    scope: SCOPES.tokenize,
    body: {
      schema: TokenizeRequestSchema,
      example: { items: [{ type: 'ssn', value: '123-45-6789', patientRef: 'P-000123', tags: ['restricted'] }, { type: 'date', value: '1985-03-14', ttl: 86400 }], mode: 'deterministic' },
    },
    responses: { 200: { description: 'The tokens, in request order', example: { items: [{ token: '987-65-4320', type: 'ssn' }, { token: '2413-07-22', type: 'date' }] } } },
    errors: [400, 409, 413, 415, 422, 503],
  },
  'POST /v1/detokenize': {
    summary: 'Reveal tokens, justified, policy-bound and audited before anything leaves',
    scope: SCOPES.detokenize,
    body: {
      schema: DetokenizeRequestSchema,
      example: { tokens: ['987-65-4320', '000-00-0000'], purpose: 'treatment', justification: "Reconciling insurance eligibility for today's visit", breakGlass: false },
    },
    responses: {
      200: {
        description: 'One item per token, in request order; reveal is plain, masked, denied or not_found',
        example: { auditId: AUDIT_ID, items: [{ token: '987-65-4320', type: 'ssn', reveal: 'masked', value: '***-**-6789' }, { token: '000-00-0000', type: null, reveal: 'not_found' }] },
      },
    },
    errors: [400, 413, 415, 422, 429, 503],
  },
  'GET /v1/tokens/{token}': {
    summary: "A token's metadata, never its value",
    scope: SCOPES.tokenize,
    responses: { 200: { description: 'The metadata', example: { token: '987-65-4320', type: 'ssn', createdAt: '2026-12-01T14:02:57.113Z', patientRef: 'P-000123', tags: ['restricted'] } } },
    errors: [404],
  },
  'DELETE /v1/tokens/{token}': {
    summary: 'Erase a token: its ciphertext and fingerprint are destroyed, audited in the same transaction',
    scope: SCOPES.admin,
    body: { schema: ErasureRequestSchema, example: { purpose: 'legal', justification: 'Erasure request #2291 approved by the privacy office' } },
    responses: { 200: { description: 'Erased', example: { auditId: AUDIT_ID, erased: 1 } } },
    errors: [404, 422, 503],
  },
  'DELETE /v1/patients/{patientRef}/tokens': {
    summary: "Erase every token of one patient, in audited batches",
    scope: SCOPES.admin,
    body: { schema: ErasureRequestSchema, example: { purpose: 'patient_request', justification: 'Patient asked for erasure of stored identifiers' } },
    responses: { 200: { description: 'Erased (erased 0: nothing was left)', example: { auditIds: [AUDIT_ID], erased: 12 } } },
    errors: [422, 503],
  },
  'POST /v1/deidentify': {
    summary: 'De-identify an NDJSON stream of FHIR R4 resources or flat records under a masking policy (?policy=NAME)',
    scope: SCOPES.tokenize,
    body: { ndjson: '{"FIRST":"Carolee","LAST":"Wisoky","SSN":"999-41-4921","BIRTHDATE":"1987-06-05","ZIP":"02139"}\n' },
    responses: { 200: { description: 'One output line per input line, in order; a bad line becomes {"error":{"line","code","detail"}}', ndjson: true, example: { ZIP: '021', BIRTHDATE: '1987' } } },
    errors: [404, 415, 422],
  },
  'GET /v1/audit/events': {
    summary: 'Audit events, newest first, filtered and paged',
    scope: SCOPES.auditRead,
    query: AuditListQuerySchema,
    responses: { 200: { description: 'A page', example: { items: [EVENT], nextCursor: 'MTA0MQ' } } },
    errors: [422],
  },
  'GET /v1/audit/events/{id}': {
    summary: 'One audit event',
    scope: SCOPES.auditRead,
    responses: { 200: { description: 'The event', example: EVENT } },
    errors: [404],
  },
  'POST /v1/audit/events/{id}/review': {
    summary: "Record a compliance decision (never on one's own event)",
    scope: SCOPES.auditReview,
    body: { schema: ReviewRequestSchema, example: { decision: 'approved', note: 'Emergency department admission confirmed in the EHR' } },
    responses: { 200: { description: 'The event with its review', example: { ...EVENT, breakGlass: true, review: { status: 'approved', reviewer: 'c.officer', note: 'Emergency department admission confirmed in the EHR', at: '2026-12-02T09:12:00.000Z' } } } },
    errors: [404, 409, 422],
  },
  'GET /v1/audit/verify': {
    summary: 'Recompute the hash chain; with events and head, also check a head exported earlier',
    scope: SCOPES.auditRead,
    query: AuditVerifyQuerySchema,
    responses: { 200: { description: 'valid, or the first broken seq', example: { valid: true, events: 1042, head: '9f2c1d7e0b4a58c3e6f1029d7b3a4c5e8f901d2c3b4a5968778695a4b3c2d1e0' } } },
    errors: [422],
  },
  'GET /v1/audit/export': {
    summary: 'The chain between from and to as NDJSON, with the hashes, for offline verification (scripts/verify-audit-export.mjs)',
    scope: SCOPES.auditRead,
    query: AuditExportQuerySchema,
    responses: { 200: { description: 'One {seq, prevHash, hash, event} a line', ndjson: true, example: { seq: 1042, prevHash: '4b1d…', hash: '9f2c…', event: { seq: '1042' } } } },
    errors: [422],
  },
  'POST /v1/admin/keys/rotate': {
    summary: 'A new data-key version for new writes',
    scope: SCOPES.admin,
    responses: { 200: { description: 'The new version', example: { version: 3 } } },
    errors: [503],
  },
  'POST /v1/admin/keys/reencrypt': {
    summary: 'Start (or join) the job rewriting rows under older versions',
    scope: SCOPES.admin,
    responses: { 202: { description: 'The job', example: { jobId: JOB.jobId } } },
    errors: [503],
  },
  'GET /v1/admin/keys': {
    summary: 'Data-key versions and how many rows each still encrypts',
    scope: SCOPES.admin,
    responses: {
      200: {
        description: 'The key versions',
        example: {
          current: 3,
          versions: [
            { version: 2, createdAt: '2026-06-01T09:00:00.000Z', activatesAt: '2026-06-01T09:00:03.000Z', retiredAt: null, rows: 1200 },
            { version: 3, createdAt: '2026-12-01T15:00:00.000Z', activatesAt: '2026-12-01T15:00:03.000Z', retiredAt: null, rows: 38800 },
          ],
        },
      },
    },
  },
  'GET /v1/admin/jobs/{jobId}': {
    summary: 'Progress of a re-encryption job',
    scope: SCOPES.admin,
    responses: { 200: { description: 'The job', example: JOB } },
    errors: [404],
  },
  'GET /v1/policies': {
    summary: 'Masking policies, the built-in safe-harbor first',
    scope: SCOPES.admin,
    responses: {
      200: {
        description: 'The policies',
        example: {
          items: [
            { name: 'safe-harbor', version: 2, builtIn: true, updatedAt: '2026-12-01T00:00:00.000Z', rules: 61 },
            { name: 'research', version: 4, builtIn: false, updatedAt: '2026-11-30T16:20:00.000Z', rules: 3 },
          ],
        },
      },
    },
  },
  'GET /v1/policies/{name}': {
    summary: 'One masking policy (?version=N for an earlier one)',
    scope: SCOPES.admin,
    responses: { 200: { description: 'The policy', example: { name: 'research', version: 4, builtIn: false, rules: [{ path: '$.SSN', action: 'tokenize', type: 'ssn' }] } } },
    errors: [404, 422],
  },
  'PUT /v1/policies/{name}': {
    summary: 'Store a new version of a masking policy',
    scope: SCOPES.admin,
    body: { schema: PolicyDocumentSchema, example: { rules: [{ path: '$.SSN', action: 'tokenize', type: 'ssn' }, { path: '$.BIRTHDATE', action: 'generalize', to: 'year' }] } },
    responses: {
      201: { description: 'The first version', example: { name: 'research', version: 1, builtIn: false, rules: [{ path: '$.SSN', action: 'tokenize', type: 'ssn' }] } },
      200: { description: 'A later version' },
    },
    errors: [400, 413, 415, 422],
  },
  'DELETE /v1/policies/{name}': {
    summary: 'Delete a masking policy (every version; names are never reused)',
    scope: SCOPES.admin,
    responses: { 204: { description: 'Deleted' } },
    errors: [404],
  },
  'GET /health/live': { summary: 'Liveness', scope: null, responses: { 200: { description: 'The process runs', example: { status: 'ok' } } } },
  'GET /health/ready': {
    summary: 'Readiness: PostgreSQL (required) and Redis (degraded without it, still 200)',
    scope: null,
    responses: {
      200: { description: 'ok or degraded', example: { status: 'ok', checks: { postgres: 'up', redis: 'up' }, backends: { database: 'postgresql', cache: 'redis' } } },
      503: { description: 'PostgreSQL is down' },
    },
  },
  'GET /metrics': { summary: 'Prometheus metrics (no value, token or subject in any label)', scope: null, responses: { 200: { description: 'Prometheus text format' } } },
};
