import { createHash } from 'node:crypto';

/**
 * The store key of a limit for some identifiers (a subject, a patient reference). The identifiers are
 * hashed: keys have a fixed length, `a:b`+`c` never collides with `a`+`b:c`, and Redis holds no raw subject
 * or patient reference. (An unkeyed hash hides nothing from someone who can guess the inputs; it keeps
 * identifiers out of casual view, it is not a secret.)
 */
export function limitKey(kind: string, ...identifiers: readonly string[]): string {
  const digest = createHash('sha256').update(JSON.stringify(identifiers)).digest('hex').slice(0, 32);
  return `limits:${kind}:${digest}`;
}
