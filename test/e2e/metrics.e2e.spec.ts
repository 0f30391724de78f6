import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVault, type TestVault } from '../support/vault.js';

const VALUES = ['123-45-6789', 'Grace Hopper'];

/** One sample's value from Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  let vault: TestVault;
  let text = '';
  let tokens: string[] = [];
  beforeAll(async () => {
    vault = await startTestVault();
    const caller = await vault.bearer('metrics-dr', ['clinician'], ['vault:tokenize', 'vault:detokenize', 'vault:break_glass']);
    const tokenized = await vault.http().post('/v1/tokenize').set('Authorization', caller).send({ items: [{ type: 'ssn', value: VALUES[0] }, { type: 'name', value: VALUES[1] }] });
    tokens = tokenized.body.items.map((item: { token: string }) => item.token);
    const reason = { purpose: 'treatment', justification: 'Unconscious patient, medication history needed at once' };
    await vault.http().post('/v1/detokenize').set('Authorization', caller).send({ tokens, ...reason });
    await vault.http().post('/v1/detokenize').set('Authorization', caller).send({ tokens, ...reason, breakGlass: true });
    await vault.http().post('/v1/detokenize').set('Authorization', caller).send({ tokens: ['000-00-0000'], ...reason });
    const response = await vault.http().get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    text = response.text;
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('counts requests and times them per route template and status', () => {
    expect(sample(text, 'phi_vault_http_requests_total{route="/v1/detokenize",method="POST",status="200"}')).toBe(3);
    expect(sample(text, 'phi_vault_http_request_duration_seconds_count{route="/v1/tokenize",method="POST",status="200"}')).toBe(1);
    expect(text).toMatch(/^phi_vault_http_request_duration_seconds_bucket\{le="0\.025",route="\/v1\/detokenize",method="POST",status="200"\} \d+$/m);
  });

  it('counts reveals by level and break-glass calls, once their audit event is committed', () => {
    // Clinician: SSN masked, name plain; under break-glass both plain; then one unknown token.
    expect(sample(text, 'phi_vault_reveals_total{level="plain"}')).toBe(3);
    expect(sample(text, 'phi_vault_reveals_total{level="masked"}')).toBe(1);
    expect(sample(text, 'phi_vault_reveals_total{level="not_found"}')).toBe(1);
    expect(sample(text, 'phi_vault_break_glass_calls_total{outcome="allowed"}')).toBe(1);
    expect(sample(text, 'phi_vault_audit_events_total{action="detokenize",outcome="allowed"}')).toBe(3);
  });

  it('reports audit commit latency and batch size, cache hit ratio and pool saturation', () => {
    expect(sample(text, 'phi_vault_audit_commit_duration_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'phi_vault_audit_batch_requests_count')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'phi_vault_token_cache_hit_ratio')).toBeGreaterThan(0);
    expect(sample(text, 'phi_vault_db_pool_connections{state="max"}')).toBe(5);
    const saturation = sample(text, 'phi_vault_db_pool_saturation');
    expect(saturation).toBeGreaterThanOrEqual(0);
    expect(saturation).toBeLessThanOrEqual(1);
    expect(sample(text, 'phi_vault_db_pool_waiting')).toBe(0);
  });

  it('holds no value, no token and no subject', () => {
    for (const forbidden of [...VALUES, ...tokens, 'metrics-dr']) expect(text).not.toContain(forbidden);
  });
});
