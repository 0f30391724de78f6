/** How much detokenizing a caller may do; parsed once with the rest of the configuration. */
export interface LimitsConfig {
  /** Tokens a subject may present to /v1/detokenize per minute; null: no limit. */
  readonly detokenizeTokensPerMinute: number | null;
  /** Callers holding any of these roles have no detokenize token limit (the break-glass cap still applies). */
  readonly unlimitedRoles: ReadonlySet<string>;
  /** Break-glass calls a subject may make per hour. */
  readonly breakGlassCallsPerHour: number;
  /** How long a break-glass episode (one grant per subject and patient) lasts after it opens. */
  readonly breakGlassEpisodeMinutes: number;
}

export const LIMIT_ENV = {
  detokenizeTokensPerMinute: 'VAULT_DETOKENIZE_TOKENS_PER_MINUTE',
  unlimitedRoles: 'VAULT_DETOKENIZE_UNLIMITED_ROLES',
  breakGlassCallsPerHour: 'VAULT_BREAK_GLASS_CALLS_PER_HOUR',
  breakGlassEpisodeMinutes: 'VAULT_BREAK_GLASS_EPISODE_MINUTES',
} as const;

/** Reads the limit variables (see docs/reveal-policy.md), adding one line per problem. */
export function parseLimitsConfig(problems: string[], text: (name: string) => string | undefined): LimitsConfig {
  const perMinuteRaw = text(LIMIT_ENV.detokenizeTokensPerMinute) ?? '600';
  const detokenizeTokensPerMinute =
    perMinuteRaw === 'unlimited' ? null : count(problems, LIMIT_ENV.detokenizeTokensPerMinute, perMinuteRaw, 600, 1_000_000_000, ' or "unlimited"');
  const rolesRaw = text(LIMIT_ENV.unlimitedRoles) ?? 'service';
  const roles = rolesRaw === 'none' ? [] : rolesRaw.split(',').map((role) => role.trim()).filter((role) => role !== '');
  if (roles.some((role) => !/^[\x21-\x7E]{1,256}$/.test(role))) {
    problems.push(`${LIMIT_ENV.unlimitedRoles}: must be a comma-separated list of role names, or "none"`);
  }
  return {
    detokenizeTokensPerMinute,
    unlimitedRoles: new Set(roles),
    breakGlassCallsPerHour: count(problems, LIMIT_ENV.breakGlassCallsPerHour, text(LIMIT_ENV.breakGlassCallsPerHour) ?? '20', 20, 100_000),
    breakGlassEpisodeMinutes: count(problems, LIMIT_ENV.breakGlassEpisodeMinutes, text(LIMIT_ENV.breakGlassEpisodeMinutes) ?? '60', 60, 24 * 60),
  };
}

function count(problems: string[], name: string, raw: string, fallback: number, max: number, alternative = ''): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) {
    problems.push(`${name}: must be an integer from 1 to ${max}${alternative}`);
    return fallback;
  }
  return value;
}
