import type { AuditEventDraft } from './audit-event.js';

const NUL_OR_LONE_SURROGATE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * PostgreSQL text and jsonb cannot hold NUL, and a string with an unpaired UTF-16 surrogate is stored as
 * U+FFFD, so its stored form would no longer match the hash computed over it. Such a draft must be refused
 * before it joins a batch: it would otherwise fail, or silently corrupt, every event committed with it.
 */
export function unstorablePath(draft: AuditEventDraft): string | null {
  // Every event passes through here: the scan builds no paths unless there is something to name.
  return holdsBadString(draft) ? firstBadString(draft, '') : null;
}

function holdsBadString(value: unknown): boolean {
  if (typeof value === 'string') return NUL_OR_LONE_SURROGATE.test(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(holdsBadString);
  for (const key in value) {
    if (Object.hasOwn(value, key) && (NUL_OR_LONE_SURROGATE.test(key) || holdsBadString((value as Record<string, unknown>)[key]))) return true;
  }
  return false;
}

function firstBadString(value: unknown, path: string): string | null {
  if (typeof value === 'string') return NUL_OR_LONE_SURROGATE.test(value) ? path || '(event)' : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const bad = firstBadString(value[index], `${path}[${index}]`);
      if (bad !== null) return bad;
    }
    return null;
  }
  for (const [key, child] of Object.entries(value)) {
    const bad = firstBadString(key, path) ?? firstBadString(child, path === '' ? key : `${path}.${key}`);
    if (bad !== null) return bad;
  }
  return null;
}
