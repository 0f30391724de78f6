import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../src/docs/api-operations.js';
import { TOKEN_TYPES } from '../../src/formats/format.js';
import { startTestVault, type TestVault } from '../support/vault.js';

/** CONTRACT section 2, written out by hand: the scope each operation needs. */
const CONTRACT_SCOPES: Record<string, string> = {
  'POST /v1/tokenize': 'vault:tokenize',
  'GET /v1/tokens/{token}': 'vault:tokenize',
  'POST /v1/deidentify': 'vault:tokenize',
  'POST /v1/detokenize': 'vault:detokenize',
  'GET /v1/audit/events': 'audit:read',
  'GET /v1/audit/events/{id}': 'audit:read',
  'GET /v1/audit/verify': 'audit:read',
  'GET /v1/audit/export': 'audit:read',
  'POST /v1/audit/events/{id}/review': 'audit:review',
  'POST /v1/admin/keys/rotate': 'vault:admin',
  'POST /v1/admin/keys/reencrypt': 'vault:admin',
  'GET /v1/admin/keys': 'vault:admin',
  'GET /v1/admin/jobs/{jobId}': 'vault:admin',
  'DELETE /v1/tokens/{token}': 'vault:admin',
  'DELETE /v1/patients/{patientRef}/tokens': 'vault:admin',
  'GET /v1/policies': 'vault:admin',
  'GET /v1/policies/{name}': 'vault:admin',
  'PUT /v1/policies/{name}': 'vault:admin',
  'DELETE /v1/policies/{name}': 'vault:admin',
};

interface Operation {
  security?: unknown;
  'x-required-scope'?: string;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  parameters: { name: string; in: string }[];
  responses: Record<string, unknown>;
}

describe('GET /docs/json: the OpenAPI document', () => {
  let vault: TestVault;
  let paths: Record<string, Record<string, Operation>>;
  beforeAll(async () => {
    vault = await startTestVault();
    const response = await vault.http().get('/docs/json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
    paths = response.body.paths;
  });
  afterAll(async () => {
    await vault?.close();
  });

  const operations = () => Object.entries(paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as const));

  it('documents every route the vault serves, and nothing it does not', () => {
    expect(operations().map(([key]) => key).sort()).toEqual(Object.keys(OPERATIONS).sort());
  });

  it("names each /v1 operation's scope as CONTRACT section 2 does, and requires the bearer JWT", () => {
    for (const [key, operation] of operations()) {
      if (!key.includes(' /v1/')) {
        expect(operation.security, key).toBeUndefined();
        continue;
      }
      expect(operation['x-required-scope'], key).toBe(CONTRACT_SCOPES[key]);
      expect(operation.security, key).toEqual([{ bearer: [] }]);
      expect(Object.keys(operation.responses), key).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('describes request bodies from the DTOs themselves: tokenize takes every type, in vault and fpe modes', () => {
    const schema = paths['/v1/tokenize'].post.requestBody!.content['application/json'].schema as { oneOf: { properties: Record<string, { items?: { properties: { type: { enum: string[] } } }; enum?: string[] }> }[] };
    expect(schema.oneOf).toHaveLength(2);
    const [vaultMode, fpeMode] = schema.oneOf;
    expect(vaultMode.properties.items.items!.properties.type.enum).toEqual([...TOKEN_TYPES]);
    expect(vaultMode.properties.mode.enum).toEqual(expect.arrayContaining(['deterministic', 'random']));
    expect(vaultMode.properties.namespace).toMatchObject({ not: {} }); // refused outside fpe mode
    expect(JSON.stringify(fpeMode.properties.mode)).toContain('fpe');
    const detokenize = paths['/v1/detokenize'].post.requestBody!.content['application/json'].schema;
    expect(JSON.stringify(detokenize)).toContain('"emergency"');
    expect(paths['/v1/audit/events'].get.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['actor', 'action', 'purpose', 'breakGlass', 'review', 'token', 'from', 'to', 'limit', 'cursor']));
    expect(paths['/v1/tokens/{token}'].get.parameters).toEqual([expect.objectContaining({ name: 'token', in: 'path' })]);
  });

  it('every request example passes the validation of its own endpoint', () => {
    for (const [key, doc] of Object.entries(OPERATIONS)) {
      if (doc.body === undefined || 'ndjson' in doc.body) continue;
      const parsed = doc.body.schema.safeParse(doc.body.example);
      expect(parsed.success, `${key}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`).toBe(true);
    }
  });

  it('serves the UI at /docs without a JWT', async () => {
    const response = await vault.http().get('/docs').redirects(1);
    expect(response.status).toBe(200);
    expect(response.text).toMatch(/swagger/i);
  });
});
