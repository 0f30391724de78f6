import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/common/logging/logger.js';
import { MetricsService } from '../../../src/health/metrics.service.js';
import type { LimitStore } from '../../../src/ratelimit/limit-store.js';
import { LimitMetrics } from '../../../src/ratelimit/limit-metrics.js';
import { LimitsService } from '../../../src/ratelimit/limits.service.js';

function setup(store: LimitStore) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const metrics = new MetricsService();
  const service = new LimitsService(store, new LimitMetrics(metrics), createLogger({ level: 'debug', destination: sink }));
  const counter = async (name: string, limit: string) =>
    (await metrics.registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.limit === limit)?.value ?? 0;
  return { service, lines, counter };
}

const unreachable: LimitStore = {
  consume: () => Promise.reject(Object.assign(new Error('Stream isn\'t writeable and enableOfflineQueue options is false'), { code: 'ECONNREFUSED' })),
  putIfAbsent: () => Promise.reject(new Error('Connection is closed.')),
};

describe('LimitsService', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails open: allows, counts every skipped check, warns at most once a minute', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const { service, lines, counter } = setup(unreachable);
    for (let i = 0; i < 3; i++) expect(await service.consume('detokenize_tokens', 'k', 1, 1, 60_000)).toEqual({ verdict: 'unchecked' });
    expect(await service.grant('break_glass_episode', 'g', 'v', 1000)).toBeNull();
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
    vi.setSystemTime(new Date('2026-01-01T00:01:01Z'));
    await service.consume('break_glass_calls', 'k', 1, 1, 60_000);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ limit: 'detokenize_tokens', cause: 'ECONNREFUSED', suppressedSinceLastWarning: 0 });
    expect(warnings[1]).toMatchObject({ limit: 'break_glass_calls', cause: 'ECONNREFUSED', suppressedSinceLastWarning: 3 });
    expect(JSON.stringify(lines)).not.toContain('enableOfflineQueue'); // the client's message is not logged
    expect(await counter('phi_vault_rate_limit_fail_open_total', 'detokenize_tokens')).toBe(3);
    expect(await counter('phi_vault_rate_limit_fail_open_total', 'break_glass_episode')).toBe(1);
    expect(await counter('phi_vault_rate_limit_fail_open_total', 'break_glass_calls')).toBe(1);
  });

  it('turns a refused cost into whole seconds to wait, at least one, and counts it', async () => {
    const refusing: LimitStore = { consume: async () => ({ allowed: false, used: 5, retryInMs: 1 }), putIfAbsent: unreachable.putIfAbsent };
    const { service, counter } = setup(refusing);
    expect(await service.consume('detokenize_tokens', 'k', 1, 5, 60_000)).toEqual({ verdict: 'exceeded', retryAfterSeconds: 1 });
    const later: LimitStore = { consume: async () => ({ allowed: false, used: 5, retryInMs: 59_001 }), putIfAbsent: unreachable.putIfAbsent };
    expect(await setup(later).service.consume('detokenize_tokens', 'k', 1, 5, 60_000)).toEqual({ verdict: 'exceeded', retryAfterSeconds: 60 });
    expect(await counter('phi_vault_rate_limited_total', 'detokenize_tokens')).toBe(1);
  });
});
