import 'reflect-metadata';
import { createVaultApp } from './app.js';
import { createLogger } from './common/logging/logger.js';
import { ensureDevSecrets } from './config/dev-secrets.js';
import { ConfigError, loadConfig, stateDirOf } from './config/load-config.js';

/** Bootstrap only: parse the environment (or stop with one line per problem), build the app, listen. */
async function main(): Promise<void> {
  const logger = createLogger();
  if (process.env.VAULT_DEV_MODE?.trim() === 'true') {
    const stateDir = stateDirOf(process.env);
    const created = ensureDevSecrets(stateDir);
    if (created.length > 0) {
      logger.warn({ stateDir, created }, 'DEV MODE: generated keys on first start. Dev mode is for trying the vault: never put real PHI in it.');
    }
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`phi-vault: configuration error: ${problem}\n`);
    process.exit(1);
  }
  const app = await createVaultApp(config, logger);
  closeOnSignal(app, logger);
  await app.listen(config.http.port, config.http.host);
  const embedded = config.databaseUrl === null || config.redisUrl === null;
  logger.info(
    {
      url: await app.getUrl(),
      devMode: config.devMode,
      database: config.databaseUrl === null ? 'embedded PostgreSQL (PGlite)' : 'postgresql',
      cache: config.redisUrl === null ? 'in-process' : 'redis',
    },
    embedded ? 'phi-vault is listening (embedded backends: for one process on one machine, for trying the vault)' : 'phi-vault is listening',
  );
}

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests and pending writes finish (app.close
 * runs every module's shutdown hook), then exit 0. A second signal, or 25 s, forces the exit.
 */
function closeOnSignal(app: Awaited<ReturnType<typeof createVaultApp>>, logger: ReturnType<typeof createLogger>): void {
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), 25_000).unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
}

main().catch((error: unknown) => {
  // Start-up failures (unreachable database, wrong master key) are ours to explain in one line.
  const message = error instanceof Error ? error.message : 'unknown error';
  process.stderr.write(`phi-vault: could not start: ${message}\n`);
  process.exit(1);
});
