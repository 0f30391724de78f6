import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

interface Service {
  readonly profiles?: string[];
  readonly environment?: Record<string, string>;
  readonly ports?: string[];
  readonly volumes?: ({ type: string; source: string; target: string; read_only?: boolean; bind?: { create_host_path?: boolean } } | string)[];
  readonly healthcheck?: { test: string[] };
  readonly user?: string;
}
const compose = (file: string) => load(readFileSync(file, 'utf8')) as { services: Record<string, Service> };
const base = compose('docker-compose.yml');
const tls = compose('docker-compose.tls.yml');

/** Every source file's text, to check that a variable the compose files set is one the vault reads. */
function sourceText(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => !path.includes('generated'))
    .map((path) => (statSync(path).isDirectory() ? sourceText(path) : path.endsWith('.ts') ? readFileSync(path, 'utf8') : ''))
    .join('\n');
}
const source = sourceText('src');

describe('docker compose: plain by default, mutual TLS with no plain listener', () => {
  it('`docker compose up` runs PostgreSQL, Redis and one plain vault, each with a health check, none behind a profile', () => {
    expect(Object.keys(base.services).sort()).toEqual(['postgres', 'redis', 'vault']);
    for (const service of Object.values(base.services)) {
      expect(service.healthcheck?.test.length).toBeGreaterThan(0);
      expect(service.profiles).toBeUndefined();
    }
    expect(Object.keys(base.services.vault.environment ?? {}).filter((name) => name.startsWith('TLS_'))).toEqual([]);
    expect(base.services.vault.ports).toEqual(['127.0.0.1:8080:8080']);
    expect(base.services.vault.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:8080/health/ready');
  });

  it('the TLS file changes that one vault instead of adding a second: no plain listener is left to bypass mTLS', () => {
    expect(Object.keys(tls.services)).toEqual(['vault']);
    const vault = tls.services.vault;
    expect(vault.ports).toBeUndefined(); // the same port, now HTTPS only
    expect(vault.environment).toEqual({ TLS_CERT_FILE: '/certs/server.pem', TLS_KEY_FILE: '/certs/server-key.pem', TLS_CLIENT_CA_FILE: '/certs/ca.pem' });
    expect(vault.volumes).toEqual([
      { type: 'bind', source: '${VAULT_CERTS_DIR:-./.vault/certs}', target: '/certs', read_only: true, bind: { create_host_path: false } },
    ]);
    const check = vault.healthcheck?.test.join(' ') ?? '';
    expect(check).toContain("require('https')");
    expect(check).toContain('port: 8080');
    for (const file of ['/certs/ca.pem', '/certs/client.pem', '/certs/client-key.pem']) expect(check).toContain(file);
  });

  it('every certificate file the TLS setup names is one `npm run certs` writes, under the directory it writes to', () => {
    const certs = readFileSync('src/cli/certs.ts', 'utf8');
    for (const file of ['server.pem', 'server-key.pem', 'ca.pem', 'client.pem', 'client-key.pem']) expect(certs).toContain(`['${file}'`);
    expect(certs).toContain("join(stateDirOf(process.env), 'certs')"); // .vault/certs by default
  });

  it('every variable the compose files give the vault is one it reads', () => {
    const names = [...Object.keys(base.services.vault.environment ?? {}), ...Object.keys(tls.services.vault.environment ?? {})];
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(source, name).toContain(`'${name}'`);
    // The container port: the image's HOST and PORT.
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/HOST=0\.0\.0\.0 PORT=8080/);
  });
});
