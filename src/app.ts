import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { NestPinoLogger, type AppLogger } from './common/logging/logger.js';
import type { VaultConfig } from './config/vault-config.js';
import { acceptNdjsonStreams } from './deid/ndjson-body.js';
import { setupOpenApi } from './docs/openapi.js';
import { MetricsService } from './health/metrics.service.js';
import { httpsOptionsOf } from './tls/https-options.js';

/** Builds the vault's HTTP application; `main.ts` listens on it, tests drive it with supertest. */
export async function createVaultApp(config: VaultConfig, logger: AppLogger): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    logger: false,
    ...(config.tls === null ? {} : { https: httpsOptionsOf(config.tls) }),
  });
  // JSON only: anything else is 415 rather than a string handed to the validators.
  adapter.getInstance().removeContentTypeParser('text/plain');
  // NDJSON streams straight into POST /v1/deidentify, unbuffered (see src/deid/ndjson-body.ts).
  acceptNdjsonStreams(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  recordHttpMetrics(app);
  setupOpenApi(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

function recordHttpMetrics(app: NestFastifyApplication): void {
  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onResponse', async (request, reply) => {
    // The route template, never the URL: a URL can carry a token.
    const labels = { route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
}
