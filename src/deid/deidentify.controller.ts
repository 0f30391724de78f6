import { Readable } from 'node:stream';
import { Controller, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { SCOPES, type Principal } from '../auth/principal.js';
import { RequiresScope } from '../auth/requires-scope.decorator.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { assertPolicyName } from '../policies/validate-policy.js';
import { summaryHeader } from './deid-summary.js';
import { DeidentifyService } from './deidentify.service.js';
import { NDJSON_MEDIA_TYPE } from './ndjson-body.js';

/** Output is flushed towards the client in pieces of about this size. */
const OUTPUT_HIGH_WATER_MARK = 64 * 1024;

/**
 * POST /v1/deidentify?policy=NAME (CONTRACT section 9). Problems found before streaming starts (scope,
 * policy name, media type, unknown policy) are problem+json; after that, a line's problem is an error line.
 * The `Deid-Summary` trailer carries the counts once the stream has ended.
 */
@Controller('v1')
export class DeidentifyController {
  constructor(private readonly deidentifier: DeidentifyService) {}

  @Post('deidentify')
  @HttpCode(200)
  @RequiresScope(SCOPES.tokenize)
  async deidentify(
    @Query('policy') policy: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FastifyReply> {
    if (typeof policy !== 'string') throw VaultError.validation([{ path: 'policy', message: 'is required (one masking policy name)' }]);
    assertPolicyName(policy, 'policy');
    if (!(request.body instanceof Readable)) {
      throw new VaultError(ErrorCode.UnsupportedMediaType, `Send the body as ${NDJSON_MEDIA_TYPE}: one JSON record per line.`);
    }
    const run = await this.deidentifier.open(policy, principal);
    const output = Readable.from(run.output(request.body), { objectMode: false, highWaterMark: OUTPUT_HIGH_WATER_MARK });
    return reply
      .status(200)
      .header('content-type', `${NDJSON_MEDIA_TYPE}; charset=utf-8`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .trailer('deid-summary', async () => summaryHeader(run.summary()))
      .send(output);
  }
}
