import { Injectable } from '@nestjs/common';

/**
 * What the vault caches about tokens (encrypted records and deterministic lookups; never a plaintext or a
 * key). Writers that change or destroy a token's row call `forget` after their transaction commits, so no
 * instance serves the old record afterwards.
 */
@Injectable()
export class TokenCache {
  /** Drops every cached entry for these token keys and fingerprints. Never throws: a cache failure is a miss. */
  async forget(_tokenKeys: readonly string[], _fingerprints: readonly Buffer[] = []): Promise<void> {
    // The cache itself arrives in the next commit; nothing is cached yet, so there is nothing to drop.
  }
}
