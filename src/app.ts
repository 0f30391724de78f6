import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { answerFrameworkError } from './common/errors/problem.filter.js';
import { logEveryRequest, routeTemplateOf } from './common/logging/access-log.js';
import { NestPinoLogger, type AppLogger } from './common/logging/logger.js';
import { requestIdFor } from './common/logging/request-id.js';
import { refuseAnonymousApiRequests } from './common/validation/bearer-gate.js';
import type { VaultConfig } from './config/vault-config.js';
import { acceptNdjsonStreams } from './deid/ndjson-body.js';
import { setupOpenApi } from './docs/openapi.js';
import { MetricsService } from './health/metrics.service.js';
import { httpsOptionsOf } from './tls/https-options.js';

/**
 * Builds the vault's HTTP application; `main.ts` listens on it, tests drive it with supertest. The logger
 * given is set to the configured LOG_LEVEL.
 */
export async function createVaultApp(config: VaultConfig, logger: AppLogger): Promise<NestFastifyApplication> {
  logger.level = config.logLevel;
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    logger: false,
    // The caller's X-Request-Id when it is well-formed, else a UUID (see request-id.ts); never trusted blindly.
    requestIdHeader: false,
    genReqId: requestIdFor,
    // Path parameters are tokens (an email token can be 254 characters) and patientRefs (128): room for both.
    routerOptions: { maxParamLength: 1024 },
    frameworkErrors: answerFrameworkError,
    ...(config.tls === null ? {} : { https: httpsOptionsOf(config.tls) }),
  });
  const fastify = adapter.getInstance();
  // Order matters: the request id first (every answer carries it), then the refusal of anonymous /v1 calls,
  // which happens before any body is read.
  logEveryRequest(fastify, logger);
  refuseAnonymousApiRequests(fastify);
  // JSON only: anything else (text/plain, forms, no content type) is 415 rather than a string or a form handed
  // to the validators. With Nest's parsers off (bodyParser: false, below: they include urlencoded forms) and
  // text/plain removed, Fastify's own JSON parser is the only one.
  fastify.removeContentTypeParser('text/plain');
  // NDJSON streams straight into POST /v1/deidentify, unbuffered (see src/deid/ndjson-body.ts).
  acceptNdjsonStreams(fastify);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
    bodyParser: false,
  });
  try {
    recordHttpMetrics(app);
    setupOpenApi(app);
    await app.init();
    await fastify.ready();
  } catch (error) {
    // A half-started app still holds pools and connections: release them before reporting the failure.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

function recordHttpMetrics(app: NestFastifyApplication): void {
  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onResponse', async (request, reply) => {
    // The route template, never the URL: a URL can carry a token.
    const labels = { route: routeTemplateOf(request), method: request.method, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
}
