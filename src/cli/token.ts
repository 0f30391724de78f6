import { parseArgs } from 'node:util';
import { DEV_TOKENS_REFUSED, devTokensAllowed, mintDevToken } from './dev-token.js';

const USAGE = 'usage: npm run token -- --sub alice --roles clinician[,support] --scope "vault:tokenize vault:detokenize" [--client-id app] [--ttl 3600]';

/**
 * `npm run token`: mints a JWT with dev mode's signing key. It refuses outside dev mode: a vault configured
 * with real keys (AUTH_PUBLIC_KEY_FILE / AUTH_JWKS_URL) never trusts this key.
 */
async function main(): Promise<void> {
  if (!devTokensAllowed(process.env)) throw new Error(`npm run token ${DEV_TOKENS_REFUSED}`);
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      roles: { type: 'string', default: '' },
      scope: { type: 'string', default: '' },
      'client-id': { type: 'string' },
      ttl: { type: 'string', default: '3600' },
    },
    strict: true,
  });
  if (!values.sub) throw new Error(`--sub is required\n${USAGE}`);
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) throw new Error('--ttl must be whole seconds from 1 to 86400');

  const roles = values.roles.split(',').map((role) => role.trim()).filter(Boolean);
  const jwt = await mintDevToken({ sub: values.sub, roles, scope: values.scope, clientId: values['client-id'], ttlSeconds: ttl });
  process.stdout.write(`${jwt}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`phi-vault: ${error instanceof Error ? error.message : 'could not mint a token'}\n`);
  process.exit(1);
});
