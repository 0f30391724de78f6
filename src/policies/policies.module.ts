import { Module } from '@nestjs/common';
import { MaskingPoliciesController } from './masking-policies.controller.js';
import { MaskingPoliciesRepository } from './masking-policies.repository.js';
import { MaskingPoliciesService } from './masking-policies.service.js';

/** Masking (de-identification) policies; not to be confused with the reveal policy in src/policy. */
@Module({
  controllers: [MaskingPoliciesController],
  providers: [MaskingPoliciesRepository, MaskingPoliciesService],
  exports: [MaskingPoliciesService],
})
export class PoliciesModule {}
