import 'reflect-metadata';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createVaultApp } from './app.js';
import { SlotTable } from './common/collections/slot-table.js';
import { createLogger, type AppLogger } from './common/logging/logger.js';
import { ensureDevSecrets } from './config/dev-secrets.js';
import { ConfigError, loadConfig, stateDirOf } from './config/load-config.js';
import type { VaultConfig } from './config/vault-config.js';
import { closeEmbeddedDatabases } from './prisma/embedded-database.js';

/** After SIGTERM, requests in flight get this long to finish before their connections are cut. */
const DRAIN_TIMEOUT_MS = 20_000;
/** Then the audit flush and the database close get this long; past both, the process exits 1 regardless. */
const CLOSE_TIMEOUT_MS = 5_000;

/** What a parent that spawned the vault with an IPC channel (scripts/start.mjs) learns once it listens. */
interface ListeningMessage {
  readonly type: 'phi-vault:listening';
  readonly url: string;
  /** Where dev mode keeps its keys (and the embedded database); null outside dev mode. */
  readonly stateDir: string | null;
}

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
  const shutdown = shutdownOnSignal(logger);
  let app: NestFastifyApplication | undefined;
  try {
    app = await createVaultApp(config, logger);
    if (shutdown.attach(app, drainableHttp(app.getHttpServer()))) return; // a signal came while it started
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    await closeAfterFailedStart(app);
    throw new StartError(error, config);
  }
  const url = await app.getUrl();
  const embedded = config.databaseUrl === null || config.redisUrl === null;
  logger.info(
    {
      url,
      devMode: config.devMode,
      database: config.databaseUrl === null ? 'embedded PostgreSQL (PGlite)' : 'postgresql',
      cache: config.redisUrl === null ? 'in-process' : 'redis',
    },
    embedded ? 'phi-vault is listening (embedded backends: for one process on one machine, for trying the vault)' : 'phi-vault is listening',
  );
  announceListening({ type: 'phi-vault:listening', url, stateDir: config.devMode ? config.stateDir : null });
}

/**
 * Lets the HTTP server stop the way keep-alive clients can cope with. Once `drain` is called: the listening
 * socket closes (new connections are refused), idle keep-alive connections are closed, and every request
 * already on a connection is still served but answered with `Connection: close`, so its client sends
 * nothing more on it. `drain` resolves once every connection has ended, or cuts those left after `timeoutMs`.
 */
function drainableHttp(server: Server): DrainHttp {
  // Not a Set: every response passes through, and a Set's replaced tables would keep them all alive (SlotTable).
  const inFlight = new SlotTable<ServerResponse>();
  let draining = false;
  // Prepended, so it runs before Fastify's handler can send the headers.
  server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    if (draining) response.setHeader('Connection', 'close');
    const slot = inFlight.hold(response);
    response.once('close', () => {
      inFlight.release(slot);
      // A response whose headers went out before the drain began left its connection open and now idle.
      if (draining) server.closeIdleConnections();
    });
  });
  return (timeoutMs) =>
    new Promise((resolve) => {
      draining = true;
      for (const response of inFlight.values()) if (!response.headersSent) response.setHeader('Connection', 'close');
      const timer = setTimeout(() => {
        server.closeAllConnections();
        resolve('cut');
      }, timeoutMs);
      // Node's close() also closes the connections that are idle right now.
      server.close(() => {
        clearTimeout(timer);
        resolve('drained');
      });
    });
}

type DrainHttp = (timeoutMs: number) => Promise<'drained' | 'cut'>;

/**
 * SIGTERM/SIGINT: drain HTTP first, then app.close(). The order matters: Nest's app.close() runs every
 * onModuleDestroy hook (the audit flush, the database close) BEFORE it closes the HTTP server, so requests
 * still running would meet a closed database. Exit 0 once everything in flight finished and was committed;
 * exit 1 if connections had to be cut, on a second signal, or when the whole shutdown outlasts its bound.
 * Handled from the start on: a signal that comes while the app is being built (the embedded database's first
 * start takes seconds) is kept, and the shutdown runs as soon as the app exists.
 */
function shutdownOnSignal(logger: AppLogger): { attach(app: NestFastifyApplication, drainHttp: DrainHttp): boolean } {
  let signalled = false;
  let built: { app: NestFastifyApplication; drainHttp: DrainHttp } | null = null;
  const run = ({ app, drainHttp }: { app: NestFastifyApplication; drainHttp: DrainHttp }) =>
    void shutDown(app, drainHttp, logger).then((code) => process.exit(code));
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(1);
    signalled = true;
    logger.info({ signal }, 'shutting down: refusing new connections, finishing the requests in flight');
    setTimeout(() => process.exit(1), DRAIN_TIMEOUT_MS + CLOSE_TIMEOUT_MS).unref();
    if (built !== null) run(built);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    /** From now on a signal shuts this app down; true if one already came, and the shutdown has begun. */
    attach(app, drainHttp) {
      built = { app, drainHttp };
      if (signalled) run(built);
      return signalled;
    },
  };
}

async function shutDown(app: NestFastifyApplication, drainHttp: DrainHttp, logger: AppLogger): Promise<number> {
  const drained = await drainHttp(DRAIN_TIMEOUT_MS);
  if (drained === 'cut') logger.warn({ afterMs: DRAIN_TIMEOUT_MS }, 'requests were still running when the drain time ran out: their connections were closed');
  try {
    await app.close(); // flushes pending audit batches, stops background work, then closes the database
  } catch (error) {
    logger.error({ error: error instanceof Error ? error.name : 'unknown' }, 'shutdown failed');
    return 1;
  }
  logger.info('phi-vault stopped');
  return drained === 'drained' ? 0 : 1;
}

/** A start that failed after opening things closes them (the embedded database and its lock above all). */
async function closeAfterFailedStart(app: NestFastifyApplication | undefined): Promise<void> {
  const bound = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
  const close = async () => {
    await app?.close().catch(() => undefined); // the start-up error is the one to report
    // When createVaultApp itself failed there is no app to close, but the database may already be open.
    await closeEmbeddedDatabases();
  };
  await Promise.race([close(), bound]);
}

/** Only when a parent spawned us with an IPC channel; the channel must not keep the process alive. */
function announceListening(message: ListeningMessage): void {
  if (process.send === undefined) return;
  process.send(message);
  process.channel?.unref();
}

/** Start-up failures (a busy port, an unreachable database, a wrong master key) are ours to explain in one line. */
class StartError extends Error {
  constructor(cause: unknown, config: VaultConfig) {
    super(startFailureLine(cause, config), { cause });
  }
}

function startFailureLine(cause: unknown, config: VaultConfig): string {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const { host, port } = config.http;
  if (code === 'EADDRINUSE') {
    return `${host}:${port} is already in use (another vault, or the docker compose one?); start on a free port, e.g. PORT=${port === 65535 ? 8081 : port + 1}`;
  }
  if (code === 'EACCES') return `not allowed to listen on ${host}:${port}; choose another PORT`;
  return cause instanceof Error ? cause.message : 'unknown error';
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : 'unknown error';
  process.stderr.write(`phi-vault: could not start: ${message}\n`);
  process.exit(1);
});
