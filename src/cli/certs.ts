import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stateDirOf } from '../config/load-config.js';
import { createDevCertificates, type DevCertificates } from '../tls/dev-certificates.js';

const USAGE = 'usage: npm run certs [-- --out DIR] [--client-name NAME] [--force]';

/** File name, PEM field, and whether it is a private key (0600) or a certificate (0644). */
const FILES: readonly [string, keyof DevCertificates, boolean][] = [
  ['ca.pem', 'caCert', false],
  ['ca-key.pem', 'caKey', true],
  ['server.pem', 'serverCert', false],
  ['server-key.pem', 'serverKey', true],
  ['client.pem', 'clientCert', false],
  ['client-key.pem', 'clientKey', true],
];

/**
 * `npm run certs`: a development CA, a server certificate for localhost and a client certificate, as PEM
 * files under `.vault/certs/` (directory 0700, keys 0600), then the environment and a curl command to try
 * mutual TLS. Existing files are kept unless --force. For trying the vault only: real deployments get their
 * certificates from their own PKI.
 */
function main(): void {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, 'client-name': { type: 'string', default: 'dev-client' }, force: { type: 'boolean', default: false } },
    strict: true,
  });
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(values['client-name'])) throw new Error(`--client-name: letters, digits, space, ".", "_" or "-", up to 64\n${USAGE}`);
  const dir = values.out === undefined ? join(stateDirOf(process.env), 'certs') : resolve(values.out);
  const paths = Object.fromEntries(FILES.map(([name, field]) => [field, join(dir, name)])) as Record<keyof DevCertificates, string>;

  const existing = FILES.filter(([name]) => existsSync(join(dir, name)));
  if (existing.length > 0 && !values.force) {
    process.stdout.write(`phi-vault: development certificates already exist in ${shown(dir)} (run with --force to replace them)\n`);
  } else {
    const certificates = createDevCertificates({ clientName: values['client-name'] });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    for (const [, field, secret] of FILES) {
      writeFileSync(paths[field], certificates[field], { mode: secret ? 0o600 : 0o644 });
      chmodSync(paths[field], secret ? 0o600 : 0o644); // the mode above applies to new files only
    }
    process.stdout.write(`phi-vault: created a development CA, a server certificate (localhost, 127.0.0.1) and a client certificate (CN=${values['client-name']}) in ${shown(dir)}\n`);
  }
  process.stdout.write(instructions(paths));
}

function instructions(paths: Record<keyof DevCertificates, string>): string {
  const client = `--cacert ${shown(paths.caCert)} --cert ${shown(paths.clientCert)} --key ${shown(paths.clientKey)}`;
  return `
These are for trying TLS on this machine only; never use them for a real deployment.

Serve HTTPS and require client certificates (mutual TLS):

  export VAULT_DEV_MODE=true TLS_CERT_FILE=${shown(paths.serverCert)} TLS_KEY_FILE=${shown(paths.serverKey)} TLS_CLIENT_CA_FILE=${shown(paths.caCert)}
  npm run db:migrate && npm run start:prod

Then, in another terminal, from this directory:

  curl ${client} https://localhost:8080/health/ready
  curl ${client} -H "Authorization: Bearer $(npm run -s token -- --sub alice --roles admin --scope vault:admin)" https://localhost:8080/v1/admin/keys

Without --cert and --key the TLS handshake is refused. For HTTPS without client certificates, leave TLS_CLIENT_CA_FILE unset.
With Docker: docker compose --profile tls up -d (see docs/keys-and-tls.md).
`;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}

try {
  main();
} catch (error) {
  process.stderr.write(`phi-vault: ${error instanceof Error ? error.message : 'could not create the certificates'}\n`);
  process.exit(1);
}
