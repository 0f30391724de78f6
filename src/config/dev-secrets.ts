import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEV_ISSUER = 'phi-vault-dev';
export const DEV_AUDIENCE = 'phi-vault';

export function devSecretPaths(stateDir: string) {
  return {
    masterKey: join(stateDir, 'master.key'),
    jwtPrivateKey: join(stateDir, 'jwt-private.pem'),
    jwtPublicKey: join(stateDir, 'jwt-public.pem'),
  };
}

export function readDevMasterKey(stateDir: string): string | undefined {
  const file = devSecretPaths(stateDir).masterKey;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/**
 * Dev mode only: creates, once, a master key and an RS256 signing key pair under `stateDir` (mode 0700,
 * files 0600) so `npm start` works with no set-up and `npm run token` can mint JWTs. Returns what it created,
 * so the caller can warn loudly. These keys protect nothing real: dev mode must never hold real PHI.
 */
export function ensureDevSecrets(stateDir: string): string[] {
  const paths = devSecretPaths(stateDir);
  const created: string[] = [];
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
  if (!existsSync(paths.masterKey)) {
    writeFileSync(paths.masterKey, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    created.push('master key');
  }
  if (!existsSync(paths.jwtPrivateKey) || !existsSync(paths.jwtPublicKey)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(paths.jwtPrivateKey, privateKey, { mode: 0o600 });
    writeFileSync(paths.jwtPublicKey, publicKey, { mode: 0o644 });
    created.push('JWT signing key pair');
  }
  return created;
}
