import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../health/metrics.service.js';

/** The names of the limits, used as metric labels and in audit details. */
export type LimitName = 'detokenize_tokens' | 'break_glass_calls' | 'break_glass_episode';

/** Counters of limit decisions, registered on the vault's registry. Labels are limit names only, never subjects. */
@Injectable()
export class LimitMetrics {
  readonly failOpen: Counter<'limit'>;
  readonly refused: Counter<'limit'>;

  constructor(metrics: MetricsService) {
    this.failOpen = new Counter({
      name: 'phi_vault_rate_limit_fail_open_total',
      help: 'Limit checks skipped because the limit store (Redis) was unreachable; the call went ahead',
      labelNames: ['limit'] as const,
      registers: [metrics.registry],
    });
    this.refused = new Counter({
      name: 'phi_vault_rate_limited_total',
      help: 'Calls refused with 429 by a limit',
      labelNames: ['limit'] as const,
      registers: [metrics.registry],
    });
  }
}
