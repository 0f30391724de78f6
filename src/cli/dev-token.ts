import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, devSecretPaths, ensureDevSecrets } from '../config/dev-secrets.js';
import { stateDirOf } from '../config/load-config.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface DevTokenClaims {
  readonly sub: string;
  readonly roles: readonly string[];
  /** Space-separated scopes. */
  readonly scope: string;
  readonly clientId?: string;
  readonly ttlSeconds: number;
}

/**
 * Whether this environment is dev mode's, the only one in which the CLIs may mint tokens with the dev signing
 * key: a vault configured with real keys (AUTH_PUBLIC_KEY_FILE / AUTH_JWKS_URL) never trusts that key.
 */
export function devTokensAllowed(env: Env): boolean {
  return !(env.VAULT_DEV_MODE?.trim() === 'false' || env.AUTH_PUBLIC_KEY_FILE || env.AUTH_JWKS_URL);
}

export const DEV_TOKENS_REFUSED =
  'works only in dev mode (VAULT_DEV_MODE=true, no AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL); ask your identity provider for a token';

/** Signs a JWT with dev mode's RS256 key (created under the state directory if missing), as the dev vault expects. */
export async function mintDevToken(claims: DevTokenClaims, env: Env = process.env): Promise<string> {
  if (!devTokensAllowed(env)) throw new Error(`minting a token ${DEV_TOKENS_REFUSED}`);
  const stateDir = stateDirOf(env);
  ensureDevSecrets(stateDir);
  const key = createPrivateKey(readFileSync(devSecretPaths(stateDir).jwtPrivateKey));
  const payload: Record<string, unknown> = { roles: [...claims.roles], scope: claims.scope.trim() };
  if (claims.clientId) payload.client_id = claims.clientId;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
    .setIssuer(env.AUTH_ISSUER?.trim() || DEV_ISSUER)
    .setAudience(env.AUTH_AUDIENCE?.trim() || DEV_AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + claims.ttlSeconds)
    .sign(key);
}
