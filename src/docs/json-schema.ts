import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/** A body chosen by its `mode` (tokens/dto/mode-dispatch.ts) carries its variants for the documentation. */
interface WithVariants {
  readonly variants: readonly z.ZodType[];
}

const hasVariants = (schema: z.ZodType): schema is z.ZodType & WithVariants => Array.isArray((schema as Partial<WithVariants>).variants);

/**
 * The JSON Schema (OpenAPI 3.0 dialect) of what a request DTO accepts, generated from the same zod schema
 * that validates it, so the documentation cannot drift from the checks. Shapes zod cannot express in JSON
 * Schema are made explicit: a body chosen by its mode is a oneOf of its variants; a preprocessed body is
 * documented as what its preprocessing feeds; a field a mode refuses (refusedField) is `not: {}`.
 */
export function requestSchemaOf(schema: z.ZodType): JsonSchema {
  if (hasVariants(schema)) return { oneOf: schema.variants.map(requestSchemaOf) };
  const def = schema._zod.def as { type: string; in?: z.ZodType; out?: z.ZodType };
  if (def.type === 'pipe' && def.in?._zod.def.type === 'transform' && def.out !== undefined) return requestSchemaOf(def.out);
  return z.toJSONSchema(schema, {
    io: 'input',
    target: 'openapi-3.0',
    unrepresentable: 'any',
    override: (context) => {
      if (context.zodSchema._zod.def.type === 'custom') {
        for (const key of Object.keys(context.jsonSchema)) delete context.jsonSchema[key];
        Object.assign(context.jsonSchema, { not: {}, description: 'not accepted in this mode' });
      }
    },
  }) as JsonSchema;
}

/** A query-string DTO (a strict object of string inputs) as OpenAPI query parameters. */
export function queryParametersOf(schema: z.ZodType): JsonSchema[] {
  const object = requestSchemaOf(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: object.required?.includes(name) ?? false,
    schema: property,
  }));
}
