import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics. Labels are routes, statuses and levels: never tokens, values or subjects. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'phi_vault_http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'phi_vault_http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly auditCommitDuration = new Histogram({
    name: 'phi_vault_audit_commit_duration_seconds',
    help: 'Time to commit one group-commit batch of audit events (one statement, one chain lock)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });

  readonly auditBatchSize = new Histogram({
    name: 'phi_vault_audit_batch_requests',
    help: 'Requests whose events one audit batch committed together',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [this.registry],
  });

  readonly auditEvents = new Counter({
    name: 'phi_vault_audit_events_total',
    help: 'Audit events committed, by action and outcome',
    labelNames: ['action', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Counted once the detokenize event is committed, i.e. when the reveal may go out. */
  readonly reveals = new Counter({
    name: 'phi_vault_reveals_total',
    help: 'Detokenized tokens by reveal level (plain, masked, denied, not_found)',
    labelNames: ['level'] as const,
    registers: [this.registry],
  });

  readonly breakGlassCalls = new Counter({
    name: 'phi_vault_break_glass_calls_total',
    help: 'Break-glass detokenize calls by outcome (allowed, partial, denied)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly tokensIssued = new Counter({
    name: 'phi_vault_tokens_issued_total',
    help: 'New tokens stored, by mode (a deterministic re-tokenization of a known value issues none)',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });

  /** `result`: hit, miss, rejected (failed authentication: forged or corrupt), bypassed (cache unreachable or being cleared). */
  readonly tokenCacheLookups = new Counter({
    name: 'phi_vault_token_cache_lookups_total',
    help: 'Token cache lookups by entry kind (record, fingerprint) and result',
    labelNames: ['entry', 'result'] as const,
    registers: [this.registry],
  });

  readonly tokenCacheErrors = new Counter({
    name: 'phi_vault_token_cache_errors_total',
    help: 'Token cache operations that failed (the request went on from PostgreSQL)',
    registers: [this.registry],
  });

  readonly tokenCacheHitRatio = new Gauge({
    name: 'phi_vault_token_cache_hit_ratio',
    help: 'Share of token-record lookups since start answered from the cache (0 to 1)',
    registers: [this.registry],
    collect: async () => {
      const { values } = await this.tokenCacheLookups.get();
      const records = values.filter((sample) => sample.labels.entry === 'record');
      const total = records.reduce((sum, sample) => sum + sample.value, 0);
      const hits = records.filter((sample) => sample.labels.result === 'hit').reduce((sum, sample) => sum + sample.value, 0);
      this.tokenCacheHitRatio.set(total === 0 ? 0 : hits / total);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'phi_vault_' });
  }
}
