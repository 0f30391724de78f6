import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import { limitKey } from '../ratelimit/limit-keys.js';
import { LimitsService, type LimitCheck } from '../ratelimit/limits.service.js';

const ONE_HOUR_MS = 3_600_000;

/**
 * One reviewable stretch of break-glass access. `opened`: this call started the grant for (caller, patient);
 * `reused`: the call falls within a grant opened earlier (its expiry is not extended); `single_call`: the
 * grant covers this call only: tokens without a patientRef, or the store was unreachable (fail open).
 */
export interface EpisodeReference {
  readonly episodeId: string;
  readonly patientRef: string | null;
  readonly grant: 'opened' | 'reused' | 'single_call';
  readonly expiresAt: string | null;
}

/** The bounds on break-glass beyond its rules: the hourly cap per caller, and episodes per caller and patient. */
@Injectable()
export class BreakGlassService {
  constructor(
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    private readonly limits: LimitsService,
  ) {}

  get callsPerHour(): number {
    return this.config.limits.breakGlassCallsPerHour;
  }

  /**
   * Counts one break-glass call against the caller's cap: at most `callsPerHour` in ANY 60 minutes (a rolling
   * window, so no boundary lets a second hour's worth through); when refused, Retry-After is the time until
   * the oldest counted call is an hour old.
   */
  consumeCall(principal: Principal): Promise<LimitCheck> {
    return this.limits.consume('break_glass_calls', limitKey('break-glass-calls', principal.sub), 1, this.callsPerHour, ONE_HOUR_MS);
  }

  /**
   * The episodes a break-glass call falls in: one per patient reference among the found tokens (opened or
   * reused), plus one for this call alone when some found token has no patientRef or nothing was found, so
   * every break-glass event names at least one episode.
   */
  async episodesFor(principal: Principal, patientRefs: readonly (string | null)[], now = Date.now()): Promise<EpisodeReference[]> {
    const patients = [...new Set(patientRefs.filter((ref): ref is string => ref !== null))].sort();
    const ttlMs = this.config.limits.breakGlassEpisodeMinutes * 60_000;
    const episodes = await Promise.all(
      patients.map(async (patientRef): Promise<EpisodeReference> => {
        // The stored value is "<episode id> <expiry in epoch ms>", so every reuse reports the exact expiry of the opening.
        const candidate = `${randomUUID()} ${now + ttlMs}`;
        const grant = await this.limits.grant('break_glass_episode', limitKey('break-glass-episode', principal.sub, patientRef), candidate, ttlMs);
        if (grant === null) return { episodeId: randomUUID(), patientRef, grant: 'single_call', expiresAt: null };
        const [episodeId, expiresAtMs] = grant.value.split(' ');
        const expiresAt = Number(expiresAtMs) > 0 ? Number(expiresAtMs) : now + grant.expiresInMs;
        return { episodeId, patientRef, grant: grant.created ? 'opened' : 'reused', expiresAt: new Date(expiresAt).toISOString() };
      }),
    );
    if (patients.length === 0 || patientRefs.includes(null)) {
      episodes.push({ episodeId: randomUUID(), patientRef: null, grant: 'single_call', expiresAt: null });
    }
    return episodes;
  }
}
