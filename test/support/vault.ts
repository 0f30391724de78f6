import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createVaultApp } from '../../src/app.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { VaultConfig } from '../../src/config/vault-config.js';
import { createSigner, type Signer } from './jwt.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { testVaultEnv } from './vault-env.js';

export interface TestVault {
  readonly app: NestFastifyApplication;
  readonly config: VaultConfig;
  readonly database: TestDatabase;
  readonly signer: Signer;
  readonly env: Record<string, string>;
  /** Every log line the vault wrote, for scans proving no value leaks. */
  readonly logs: string[];
  http(): ReturnType<typeof request>;
  /** A bearer header for a caller with these roles and scopes. */
  bearer(sub: string, roles: string[], scopes: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface TestVaultOptions {
  readonly env?: Record<string, string>;
  readonly database?: TestDatabase;
  /**
   * passport keeps one strategy registry per process, so the JWT strategy of the vault started last serves
   * every vault in the process: vaults alive at the same time in one test process must share a signer.
   */
  readonly signer?: Signer;
}

/** A real vault on its own database and Redis key prefix, configured through the same environment parsing as production. */
export async function startTestVault(options: TestVaultOptions = {}): Promise<TestVault> {
  const database = options.database ?? (await createTestDatabase());
  const signer = options.signer ?? createSigner();
  const env = testVaultEnv(database, signer, options.env);
  const config = loadConfig(env);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const app = await createVaultApp(config, createLogger({ level: 'debug', destination: sink }));
  return {
    app,
    config,
    database,
    signer,
    env,
    logs,
    http: () => request(app.getHttpServer()),
    bearer: async (sub, roles, scopes) => `Bearer ${await signer.mint({ sub, roles, scope: scopes.join(' ') })}`,
    close: async () => {
      await app.close();
      if (options.database === undefined) await database.drop();
    },
  };
}
