import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';

export const TEST_ISSUER = 'https://idp.test/realms/phi';
export const TEST_AUDIENCE = 'phi-vault-test';

export interface Signer {
  readonly publicKeyFile: string;
  readonly publicKeyPem: string;
  readonly privateKey: KeyObject;
  /** A valid RS256 JWT for `sub`, with the given roles and scopes, unless overridden. */
  mint(claims: { sub?: string; roles?: string[]; scope?: string } & JWTPayload, options?: { expiresInSeconds?: number }): Promise<string>;
}

export function createSigner(): Signer {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const dir = mkdtempSync(join(tmpdir(), 'phi-vault-jwt-'));
  const publicKeyFile = join(dir, 'public.pem');
  writeFileSync(publicKeyFile, publicKeyPem);
  return {
    publicKeyFile,
    publicKeyPem,
    privateKey,
    mint: async (claims, options = {}) =>
      new SignJWT({ roles: [], scope: '', ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
        .setIssuer(TEST_ISSUER)
        .setAudience(TEST_AUDIENCE)
        .setSubject(claims.sub ?? 'alice')
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresInSeconds ?? 300))
        .sign(privateKey),
  };
}
