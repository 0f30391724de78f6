import { Controller, Get, Header, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { SCOPES, type Principal } from '../auth/principal.js';
import { RequiresScope } from '../auth/requires-scope.decorator.js';
import type { KeyStatus } from './key-status.repository.js';
import { KeyRotationService } from './key-rotation.service.js';
import { ReencryptJobsService, type JobView } from './reencrypt-jobs.service.js';

/** Key lifecycle (CONTRACT section 10). Every route needs vault:admin and is audited (action `rotate`). */
@Controller('v1/admin')
@RequiresScope(SCOPES.admin)
export class KeysController {
  constructor(
    private readonly rotation: KeyRotationService,
    private readonly reencryption: ReencryptJobsService,
  ) {}

  @Post('keys/rotate')
  @HttpCode(200)
  rotate(@CurrentPrincipal() principal: Principal): Promise<{ version: number }> {
    return this.rotation.rotate(principal);
  }

  @Post('keys/reencrypt')
  @HttpCode(202)
  async reencrypt(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<{ jobId: string }> {
    const started = await this.reencryption.start(principal);
    void reply.header('Location', `/v1/admin/jobs/${started.jobId}`);
    return started;
  }

  @Get('keys')
  @Header('Cache-Control', 'no-store')
  status(@CurrentPrincipal() principal: Principal): Promise<KeyStatus> {
    return this.rotation.describe(principal);
  }

  @Get('jobs/:jobId')
  @Header('Cache-Control', 'no-store')
  job(@Param('jobId') jobId: string, @CurrentPrincipal() principal: Principal): Promise<JobView> {
    return this.reencryption.get(jobId, principal);
  }
}
