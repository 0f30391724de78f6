import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { OPERATIONS, type OperationDoc } from './api-operations.js';
import { queryParametersOf, requestSchemaOf } from './json-schema.js';

const PROBLEM = 'application/problem+json';
const ERROR_TITLES: Readonly<Record<number, string>> = {
  400: 'Malformed JSON or URL',
  401: 'No valid bearer JWT',
  403: 'The JWT lacks the scope',
  404: 'Not found',
  409: 'Conflict (a second review; an exhausted token space)',
  413: 'Body over 1 MiB',
  415: 'Not JSON (NDJSON for /v1/deidentify)',
  422: 'Invalid input; `errors` names every bad field, never its value',
  429: 'Rate limited; see Retry-After',
  503: 'Audit log, database or key source unavailable: nothing was revealed or stored',
};

/** Serves the OpenAPI UI at /docs and the document at /docs/json (no JWT needed for either). */
export function setupOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs/json', yamlDocumentUrl: 'docs/yaml' });
}

/**
 * The routes come from the controllers; bodies, parameters, examples, scopes and answers from OPERATIONS,
 * whose request schemas are the DTOs' own zod schemas. A route without an entry (or an entry without a route)
 * is caught by test/e2e/openapi.e2e.spec.ts.
 */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('phi-vault')
      .setDescription(
        'Token vault for protected health information: format-preserving tokens, justified and audited reveals, a hash-chained audit log, ' +
          'de-identification. Every /v1 operation needs a bearer JWT with the scope it names; errors are application/problem+json.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .build(),
  );
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Problem: PROBLEM_SCHEMA } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item) as [string, Record<string, unknown>][]) {
      const doc = OPERATIONS[`${method.toUpperCase()} ${path}`];
      if (doc !== undefined) Object.assign(operation, describeOperation(doc, operation));
    }
  }
  return document;
}

function describeOperation(doc: OperationDoc, discovered: Record<string, unknown>): Record<string, unknown> {
  const pathParameters = ((discovered.parameters as { in?: string }[] | undefined) ?? []).filter((parameter) => parameter.in === 'path');
  const described: Record<string, unknown> = {
    summary: doc.summary,
    description: doc.scope === null ? 'No JWT needed.' : `Needs scope \`${doc.scope}\`.`,
    parameters: [...pathParameters, ...(doc.query === undefined ? [] : queryParametersOf(doc.query))],
    responses: responsesOf(doc),
  };
  if (doc.scope !== null) {
    described.security = [{ bearer: [] }];
    described['x-required-scope'] = doc.scope;
  }
  if (doc.body !== undefined) {
    described.requestBody =
      'ndjson' in doc.body
        ? { required: true, content: { 'application/x-ndjson': { schema: { type: 'string' }, example: doc.body.ndjson } } }
        : { required: true, content: { 'application/json': { schema: requestSchemaOf(doc.body.schema), example: doc.body.example } } };
  }
  return described;
}

function responsesOf(doc: OperationDoc): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(doc.responses)) {
    const mediaType = answer.ndjson ? 'application/x-ndjson' : 'application/json';
    responses[status] = { description: answer.description, ...(answer.example === undefined ? {} : { content: { [mediaType]: { example: answer.example } } }) };
  }
  const errors = doc.scope === null ? (doc.errors ?? []) : [401, 403, ...(doc.errors ?? [])];
  for (const status of errors) {
    responses[String(status)] ??= { description: ERROR_TITLES[status], content: { [PROBLEM]: { schema: { $ref: '#/components/schemas/Problem' } } } };
  }
  return responses;
}

/** CONTRACT section 3 (RFC 9457), as ProblemFilter writes it. */
const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', example: 'urn:phi-vault:problem:validation_failed' },
    title: { type: 'string', example: 'Invalid request' },
    status: { type: 'integer', example: 422 },
    detail: { type: 'string', example: 'The request does not satisfy the API contract; see `errors`.' },
    code: { type: 'string', example: 'validation_failed' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string', example: 'items[3].value' }, message: { type: 'string', example: 'ssn must be ddd-dd-dddd or ddddddddd' } } },
    },
    requestId: { type: 'string', example: 'e8221a89-3419-43b6-af9f-b518422efb67' },
  },
};
