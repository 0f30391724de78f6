import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import { limitKey } from './limit-keys.js';
import { LimitsService, type LimitCheck } from './limits.service.js';

const ONE_MINUTE_MS = 60_000;

/**
 * Tokens a subject may present to detokenize per minute, counted in tokens (a 1000-token call costs 1000,
 * found or not) over a rolling minute: in any 60 seconds at most the limit, with no window boundary to burst
 * across. Shared by every instance through the limit store. A caller holding an unlimited role (default:
 * `service`) is not counted.
 */
@Injectable()
export class DetokenizeRateLimit {
  constructor(
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    private readonly limits: LimitsService,
  ) {}

  get tokensPerMinute(): number | null {
    return this.config.limits.detokenizeTokensPerMinute;
  }

  async consume(principal: Principal, tokens: number): Promise<LimitCheck> {
    const perMinute = this.tokensPerMinute;
    if (perMinute === null || principal.roles.some((role) => this.config.limits.unlimitedRoles.has(role))) return { verdict: 'within' };
    return this.limits.consume('detokenize_tokens', limitKey('detokenize-tokens', principal.sub), tokens, perMinute, ONE_MINUTE_MS);
  }
}
