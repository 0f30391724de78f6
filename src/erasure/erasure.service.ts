import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { tokenKey } from '../formats/token-key.js';
import type { ErasureRequest, PatientErasureResponse, TokenErasureResponse } from './dto/erasure-request.dto.js';
import { patientErasureDraft, tokenErasureDraft } from './erasure-audit.js';
import { ErasureRepository } from './erasure.repository.js';
import { presentsStoredToken } from './presents-stored-token.js';
import { ERASE_BATCH_ROWS, TokenEraser } from './token-eraser.js';

/**
 * Erasure on request (CONTRACT section 10). Erasure is final: the ciphertext and the fingerprint are
 * destroyed, so the value can never be revealed again and a later deterministic tokenize of the same value
 * mints a new token; the tombstone keeps the old token from ever being issued again.
 */
@Injectable()
export class ErasureService {
  constructor(
    private readonly eraser: TokenEraser,
    private readonly repository: ErasureRepository,
  ) {}

  /**
   * Erases one token. Unknown, already erased, or a string that is not a rendering of the stored token
   * (token keys of different tokens may coincide): 404, and nothing is recorded, because nothing changed.
   * An expired token not yet purged is erased: its ciphertext still exists.
   */
  async eraseToken(presented: string, request: ErasureRequest, principal: Principal): Promise<TokenErasureResponse> {
    const key = tokenKey(presented);
    const { erased, event } = await this.eraser.eraseBatch(
      async (tx) => {
        const row = await this.repository.lockLive(tx, key);
        return row !== null && presentsStoredToken(presented, row) ? [row] : [];
      },
      ([row]) => (row === undefined ? null : tokenErasureDraft(principal, request, presented, row)),
    );
    if (erased.length === 0 || event === null) throw new VaultError(ErrorCode.NotFound, 'No such token.');
    return { auditId: event.id, erased: 1 };
  }

  /**
   * Erases every live token of one patient, one transaction and one audit event per batch of
   * ERASE_BATCH_ROWS. A patient with no live token is a success with `erased: 0`, still recorded (one event
   * listing no token): the log shows the erasure was asked for and that nothing was left. If a batch cannot
   * be recorded the call fails with 503 after the batches before it committed; asking again erases the rest.
   */
  async erasePatient(patientRef: string, request: ErasureRequest, principal: Principal): Promise<PatientErasureResponse> {
    const auditIds: string[] = [];
    let erasedTotal = 0;
    for (let batch = 1; ; batch += 1) {
      const { erased, event } = await this.eraser.eraseBatch(
        (tx) => this.repository.lockLiveOfPatient(tx, patientRef, ERASE_BATCH_ROWS),
        (rows) => (rows.length === 0 && batch > 1 ? null : patientErasureDraft(principal, request, patientRef, batch, rows)),
      );
      if (event !== null) auditIds.push(event.id);
      erasedTotal += erased.length;
      if (erased.length < ERASE_BATCH_ROWS) return { auditIds, erased: erasedTotal };
    }
  }
}
