import type { AuditEventDraft } from './audit-event.js';

const NUL_OR_LONE_SURROGATE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * PostgreSQL text and jsonb cannot hold NUL, and a string with an unpaired UTF-16 surrogate is stored as
 * U+FFFD, so its stored form would no longer match the hash computed over it. Such a draft must be refused
 * before it joins a batch: it would otherwise fail, or silently corrupt, every event committed with it.
 */
export function unstorablePath(draft: AuditEventDraft): string | null {
  const path = badPath(draft);
  return path === null ? null : path === '' ? '(event)' : path;
}

/**
 * Where the first unstorable string is, relative to `value` ('' for `value` itself or one of its own keys), or
 * null. Every event passes through here: the path is built on the way back from a bad string, never for a good one.
 */
function badPath(value: unknown): string | null {
  if (typeof value === 'string') return NUL_OR_LONE_SURROGATE.test(value) ? '' : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const bad = badPath(value[index]);
      if (bad !== null) return joined(`[${index}]`, bad);
    }
    return null;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (NUL_OR_LONE_SURROGATE.test(key)) return '';
    const bad = badPath((value as Record<string, unknown>)[key]);
    if (bad !== null) return joined(key, bad);
  }
  return null;
}

/** `step` followed by the rest of a path: an index follows directly, a key after a dot. */
function joined(step: string, rest: string): string {
  return rest === '' || rest.startsWith('[') ? `${step}${rest}` : `${step}.${rest}`;
}
