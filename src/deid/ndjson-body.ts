import type { FastifyInstance } from 'fastify';

export const NDJSON_MEDIA_TYPE = 'application/x-ndjson';
export const DEIDENTIFY_ROUTE = '/v1/deidentify';

/**
 * NDJSON request bodies reach the de-identification route as the raw request stream: nothing is buffered
 * and the 1 MiB JSON body limit does not apply (the stream is read line by line, with a per-line limit).
 * Any other route answers 415 to NDJSON. Called on the Fastify instance before Nest registers routes.
 */
export function acceptNdjsonStreams(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(NDJSON_MEDIA_TYPE, (request, payload, done) => {
    if (request.routeOptions.url !== DEIDENTIFY_ROUTE) {
      done(Object.assign(new Error('unsupported media type'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }), undefined);
      return;
    }
    done(null, payload);
  });
}
