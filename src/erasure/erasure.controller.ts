import { Body, Controller, Delete, HttpCode, Param, type PipeTransform } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { SCOPES, type Principal } from '../auth/principal.js';
import { RequiresScope } from '../auth/requires-scope.decorator.js';
import { VaultError } from '../common/errors/vault-error.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import { PATIENT_REF } from '../tokens/dto/tokenize.dto.js';
import { ErasureRequestSchema, type ErasureRequest, type PatientErasureResponse, type TokenErasureResponse } from './dto/erasure-request.dto.js';
import { ErasureService } from './erasure.service.js';

/** A patient reference under the rule tokenize stores it by; the message names the rule, never the reference. */
class PatientRefPipe implements PipeTransform<string, string> {
  transform(patientRef: string): string {
    if (!PATIENT_REF.test(patientRef)) {
      throw VaultError.validation([{ path: 'patientRef', message: 'must be 1 to 128 visible ASCII characters (an opaque reference, not PHI)' }]);
    }
    return patientRef;
  }
}

/** Erasure (CONTRACT section 10). Both routes need vault:admin and a purpose and justification in the body. */
@Controller('v1')
@RequiresScope(SCOPES.admin)
export class ErasureController {
  constructor(private readonly erasure: ErasureService) {}

  @Delete('tokens/:token')
  @HttpCode(200)
  eraseToken(
    @Param('token') token: string,
    @Body(new ZodPipe(ErasureRequestSchema)) request: ErasureRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TokenErasureResponse> {
    return this.erasure.eraseToken(token, request, principal);
  }

  @Delete('patients/:patientRef/tokens')
  @HttpCode(200)
  erasePatient(
    @Param('patientRef', PatientRefPipe) patientRef: string,
    @Body(new ZodPipe(ErasureRequestSchema)) request: ErasureRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PatientErasureResponse> {
    return this.erasure.erasePatient(patientRef, request, principal);
  }
}
