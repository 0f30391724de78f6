import type { JWTPayload } from 'jose';
import type { Principal } from './principal.js';

/** Reads a dotted path (`realm_access.roles`) from the claims; undefined when any step is missing. */
export function claimAt(claims: JWTPayload, path: string): unknown {
  let node: unknown = claims;
  for (const step of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, step)) return undefined;
    node = (node as Record<string, unknown>)[step];
  }
  return node;
}

/**
 * Maps verified claims to a principal. Anything malformed counts as absent: a roles claim that is not an
 * array of strings grants no role (deny by default), rather than failing or guessing.
 */
export function principalFromClaims(claims: JWTPayload, rolesClaim: string, scopesClaim: string): Principal | null {
  if (typeof claims.sub !== 'string' || claims.sub.trim() === '') return null;
  const rawRoles = claimAt(claims, rolesClaim);
  const roles = Array.isArray(rawRoles) ? rawRoles.filter((role): role is string => typeof role === 'string') : [];
  const rawScopes = claimAt(claims, scopesClaim);
  const scopeList =
    typeof rawScopes === 'string'
      ? rawScopes.split(' ')
      : Array.isArray(rawScopes)
        ? rawScopes.filter((scope): scope is string => typeof scope === 'string')
        : [];
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : null;
  return {
    sub: claims.sub,
    roles: [...new Set(roles)],
    scopes: new Set(scopeList.filter((scope) => scope !== '')),
    clientId,
  };
}
