import { describe, expect, it } from 'vitest';
import { parseLimitsConfig } from '../../../src/ratelimit/limits-config.js';

const parse = (env: Record<string, string>) => {
  const problems: string[] = [];
  const limits = parseLimitsConfig(problems, (name) => env[name]);
  return { limits, problems };
};

describe('limit settings', () => {
  it('defaults: 600 tokens a minute, service unlimited, 20 break-glass calls an hour, 60-minute episodes', () => {
    const { limits, problems } = parse({});
    expect(problems).toEqual([]);
    expect(limits).toEqual({ detokenizeTokensPerMinute: 600, unlimitedRoles: new Set(['service']), breakGlassCallsPerHour: 20, breakGlassEpisodeMinutes: 60 });
  });

  it('reads every variable', () => {
    const { limits, problems } = parse({
      VAULT_DETOKENIZE_TOKENS_PER_MINUTE: 'unlimited',
      VAULT_DETOKENIZE_UNLIMITED_ROLES: 'service, batch',
      VAULT_BREAK_GLASS_CALLS_PER_HOUR: '5',
      VAULT_BREAK_GLASS_EPISODE_MINUTES: '30',
    });
    expect(problems).toEqual([]);
    expect(limits).toEqual({ detokenizeTokensPerMinute: null, unlimitedRoles: new Set(['service', 'batch']), breakGlassCallsPerHour: 5, breakGlassEpisodeMinutes: 30 });
    expect(parse({ VAULT_DETOKENIZE_UNLIMITED_ROLES: 'none' }).limits.unlimitedRoles.size).toBe(0);
  });

  it('names every bad variable', () => {
    const { problems } = parse({
      VAULT_DETOKENIZE_TOKENS_PER_MINUTE: '0',
      VAULT_BREAK_GLASS_CALLS_PER_HOUR: 'twenty',
      VAULT_BREAK_GLASS_EPISODE_MINUTES: '2000',
      VAULT_DETOKENIZE_UNLIMITED_ROLES: 'ser vice',
    });
    expect(problems).toEqual([
      'VAULT_DETOKENIZE_TOKENS_PER_MINUTE: must be an integer from 1 to 1000000000 or "unlimited"',
      'VAULT_DETOKENIZE_UNLIMITED_ROLES: must be a comma-separated list of role names, or "none"',
      'VAULT_BREAK_GLASS_CALLS_PER_HOUR: must be an integer from 1 to 100000',
      'VAULT_BREAK_GLASS_EPISODE_MINUTES: must be an integer from 1 to 1440',
    ]);
  });
});
