import { Injectable } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { tokenKey } from '../formats/token-key.js';
import { matchPresented } from './presented-token.js';
import { TokenRepository } from './token.repository.js';

export interface TokenMetadata {
  readonly token: string;
  readonly type: string;
  readonly createdAt: string;
  readonly patientRef: string | null;
  readonly tags: readonly string[];
}

/** What is known about a token, never its value. */
@Injectable()
export class TokenMetadataService {
  constructor(private readonly tokens: TokenRepository) {}

  async describe(presented: string): Promise<TokenMetadata> {
    const key = tokenKey(presented);
    const [record] = await this.tokens.findByKeys([key]);
    const match = matchPresented(presented, record);
    if (match === null) throw new VaultError(ErrorCode.NotFound, 'No such token.');
    return {
      token: presented,
      type: match.record.type,
      createdAt: match.record.createdAt.toISOString(),
      patientRef: match.record.patientRef,
      tags: match.record.tags,
    };
  }
}
