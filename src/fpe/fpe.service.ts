import { Injectable } from '@nestjs/common';
import { actorOf, withCallerDetails } from '../audit/audit-actor.js';
import { AuditLog } from '../audit/audit-log.service.js';
import type { Principal } from '../auth/principal.js';
import { VaultError, type FieldError } from '../common/errors/vault-error.js';
import { KeyringService } from '../crypto/keyring.service.js';
import { formatOf } from '../formats/registry.js';
import { tokenKey } from '../formats/token-key.js';
import type { FpeTokenizeRequest, TokenizeResponse } from '../tokens/dto/tokenize.dto.js';
import { fpeTokenOf, fpeValueOf, readFpeToken } from './fpe-cipher.js';
import type { FpeType } from './fpe-types.js';

/** A presented FPE token that reads as a token of its type; its value is recovered only on request. */
export interface FpeTokenFound {
  readonly type: FpeType;
  /** The value in the presented token's layout. Call only once the audit event is committed. */
  readonly value: () => string;
}

const FIXED_POINT = 'cannot be tokenized in mode "fpe": its FF1 token would equal the value; use mode "deterministic"';

/**
 * Vaultless tokenization (mode "fpe"): tokens computed by FF1 under the index root's subkeys, so nothing is
 * written to `tokens`; only the audit log records the call. See fpe-cipher.ts and docs/fpe.md.
 */
@Injectable()
export class FpeService {
  constructor(
    private readonly keyring: KeyringService,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Tokens in request order, in each value's layout. A value its permutation fixes is refused (422) so that a
   * token never equals its value. The tokenize event is committed before any token is answered: no audit
   * record, no token.
   */
  async tokenize(request: FpeTokenizeRequest, principal: Principal): Promise<TokenizeResponse> {
    const keys = this.keyring.indexKeys;
    const refused: FieldError[] = [];
    const tokens = request.items.map((item, index) => {
      const token = fpeTokenOf(keys, item.type, request.namespace, item.parsed.canonical);
      if (token === null) refused.push({ path: `items[${index}].value`, message: FIXED_POINT });
      return token === null ? '' : formatOf(item.type).render(token, item.parsed.layout);
    });
    if (refused.length > 0) throw VaultError.validation(refused);
    await this.audit.append([
      {
        actor: actorOf(principal),
        action: 'tokenize',
        purpose: null,
        justification: null,
        breakGlass: false,
        tokens,
        tokenKeys: [...new Set(tokens.map(tokenKey))],
        outcome: 'allowed',
        details: withCallerDetails(principal, { mode: 'fpe', namespace: request.namespace, items: request.items.length }),
      },
    ]);
    return { items: request.items.map((item, index) => ({ token: tokens[index], type: item.type })) };
  }

  /**
   * Reads each presented string as an FPE token of `type`: null (not_found) when it is none. Decrypts nothing:
   * whether a string is a token follows from its layout alone, so a caller who is denied learns nothing a
   * look at the string would not tell, and detokenize can commit its audit event before any value exists.
   */
  locate(type: FpeType, namespace: string, presented: readonly string[]): (FpeTokenFound | null)[] {
    return presented.map((token) => {
      const read = readFpeToken(type, token);
      if (read === null) return null;
      return {
        type,
        value: () => formatOf(type).render(fpeValueOf(this.keyring.indexKeys, type, namespace, read.canonical), read.layout),
      };
    });
  }
}
