import { isTokenType, TOKEN_TYPES, type TokenType } from '../formats/format.js';
import { TAG } from '../tokens/dto/tokenize.dto.js';
import { isRevealLevel, type RevealLevel } from './reveal-level.js';
import { memberPath } from './policy-path.js';
import type { RevealPolicy, RolePolicy } from './reveal-policy.js';

/**
 * The JSON form of a reveal policy (documented in docs/reveal-policy.md):
 *
 *   { "version": 1, "description": "...",
 *     "tags":  { "<tag>": "masked" | "denied" },                       caps for every role (optional)
 *     "roles": { "<role>": { "default": "plain" | "masked" | "denied",  optional, "denied" when absent
 *                            "types": { "<type>": "<level>" },          optional
 *                            "tags":  { "<tag>": "masked" | "denied" } } } }   optional
 *
 * Validation is strict: an unknown field, type, level or version is an error, so a typo can never widen or
 * silently drop a rule. Every problem is reported as `<path>: <what is wrong>`; a problem names entries and
 * rules, and the file holds no PHI, so naming them is safe.
 */
export type PolicyParseResult = { readonly policy: RevealPolicy } | { readonly problems: readonly string[] };

const TOP_LEVEL_FIELDS = ['version', 'description', 'tags', 'roles'];
const ROLE_FIELDS = ['default', 'types', 'tags'];
const ROLE_NAME = /^[\x21-\x7E]{1,256}$/;
const LEVEL_MESSAGE = 'must be plain, masked or denied';
const CAP_MESSAGE = 'must be masked or denied (a tag rule can only lower a level)';

export function parseRevealPolicy(document: unknown): PolicyParseResult {
  const problems: string[] = [];
  if (!isPlainObject(document)) return { problems: ['(document): must be a JSON object'] };
  unknownFields(problems, document, TOP_LEVEL_FIELDS, '');
  if (document.version !== 1) problems.push('version: must be 1');
  if (document.description !== undefined && typeof document.description !== 'string') problems.push('description: must be a string');
  const tags = parseTagCaps(problems, document.tags, 'tags');

  const roles = new Map<string, RolePolicy>();
  if (!isPlainObject(document.roles)) {
    problems.push('roles: must be an object mapping role names to their rules');
  } else {
    for (const [name, rules] of Object.entries(document.roles)) {
      const path = memberPath('roles', name);
      if (!ROLE_NAME.test(name)) problems.push(`${path}: a role name must be 1 to 256 visible ASCII characters`);
      const role = parseRole(problems, rules, path);
      if (role !== undefined) roles.set(name, role);
    }
  }
  return problems.length > 0 ? { problems } : { policy: { tags, roles } };
}

function parseRole(problems: string[], rules: unknown, path: string): RolePolicy | undefined {
  if (!isPlainObject(rules)) {
    problems.push(`${path}: must be an object with "default", "types" and/or "tags"`);
    return undefined;
  }
  unknownFields(problems, rules, ROLE_FIELDS, path);
  let fallback: RevealLevel = 'denied';
  if (rules.default !== undefined) {
    if (isRevealLevel(rules.default)) fallback = rules.default;
    else problems.push(`${path}.default: ${LEVEL_MESSAGE}`);
  }
  const types = new Map<TokenType, RevealLevel>();
  if (rules.types !== undefined) {
    if (!isPlainObject(rules.types)) problems.push(`${path}.types: must be an object mapping token types to levels`);
    else {
      for (const [type, level] of Object.entries(rules.types)) {
        if (!isTokenType(type)) problems.push(`${memberPath(`${path}.types`, type)}: unknown token type (known: ${TOKEN_TYPES.join(', ')})`);
        else if (!isRevealLevel(level)) problems.push(`${path}.types.${type}: ${LEVEL_MESSAGE}`);
        else types.set(type, level);
      }
    }
  }
  return { default: fallback, types, tags: parseTagCaps(problems, rules.tags, `${path}.tags`) };
}

function parseTagCaps(problems: string[], caps: unknown, path: string): Map<string, RevealLevel> {
  const parsed = new Map<string, RevealLevel>();
  if (caps === undefined) return parsed;
  if (!isPlainObject(caps)) {
    problems.push(`${path}: must be an object mapping tags to "masked" or "denied"`);
    return parsed;
  }
  for (const [tag, level] of Object.entries(caps)) {
    if (!TAG.test(tag)) problems.push(`${memberPath(path, tag)}: a tag must be 1 to 64 characters of letters, digits and _.:-`);
    else if (level !== 'masked' && level !== 'denied') problems.push(`${memberPath(path, tag)}: ${CAP_MESSAGE}`);
    else parsed.set(tag, level);
  }
  return parsed;
}

function unknownFields(problems: string[], object: Record<string, unknown>, known: readonly string[], path: string): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) problems.push(`${memberPath(path, key)}: is not a known field (expected ${known.join(', ')})`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
