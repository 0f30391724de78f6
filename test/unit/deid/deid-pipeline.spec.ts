import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/common/errors/error-code.js';
import { VaultError } from '../../../src/common/errors/vault-error.js';
import { DEFAULT_PIPELINE_OPTIONS, deidentifyNdjson, type DeidStats, type FetchTokens } from '../../../src/deid/deid-pipeline.js';
import { formatOf } from '../../../src/formats/registry.js';
import type { PolicyDocument } from '../../../src/policies/policy-document.js';
import { walkerFor } from './fixtures/walker.js';

const POLICY: PolicyDocument = { rules: [{ path: '$.ssn', action: 'tokenize', type: 'ssn' }, { path: '$.name', action: 'redact' }] };
const newStats = (): DeidStats => ({ lines: 0, records: 0, errors: 0, tokens: 0, changed: [] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tokens as the vault would draw them, after a random delay, counting concurrent calls. */
function fakeVault(fail?: (values: string[]) => VaultError | null) {
  const state = { calls: 0, concurrent: 0, maxConcurrent: 0, batchSizes: [] as number[] };
  const fetchTokens: FetchTokens = async (_mode, items) => {
    state.calls += 1;
    state.concurrent += 1;
    state.maxConcurrent = Math.max(state.maxConcurrent, state.concurrent);
    state.batchSizes.push(items.length);
    try {
      await sleep(Math.random() * 5);
      const failure = fail?.(items.map((item) => item.parsed.canonical)) ?? null;
      if (failure !== null) throw failure;
      return items.map((item) => formatOf(item.type).render(formatOf(item.type).randomToken(item.parsed.canonical), item.parsed.layout));
    } finally {
      state.concurrent -= 1;
    }
  };
  return { fetchTokens, state };
}

async function runAll(lines: string[], fetchTokens: FetchTokens, options = DEFAULT_PIPELINE_OPTIONS) {
  const stats = newStats();
  let output = '';
  for await (const chunk of deidentifyNdjson([Buffer.from(lines.join('\n'))], walkerFor(POLICY).walker, fetchTokens, stats, options)) output += chunk;
  return { output: output.split('\n').slice(0, -1), stats };
}

const record = (n: number) => JSON.stringify({ n, name: `Person ${n}`, ssn: `${String(100 + (n % 800))}-${String(10 + (n % 89))}-${String(1000 + n).slice(-4)}` });

describe('the NDJSON pipeline', () => {
  it('answers one line per line, in order, across many batches in flight', async () => {
    const { fetchTokens, state } = fakeVault();
    const lines = Array.from({ length: 2500 }, (_, n) => record(n));
    const { output, stats } = await runAll(lines, fetchTokens, { ...DEFAULT_PIPELINE_OPTIONS, batchValues: 100 });
    expect(output).toHaveLength(2500);
    output.forEach((line, n) => {
      const parsed = JSON.parse(line);
      expect(parsed.n).toBe(n);
      expect(parsed.name).toBeNull();
      expect(parsed.ssn).toMatch(/^\d{3}-\d{2}-\d{4}$/);
      expect(parsed.ssn).not.toBe(JSON.parse(lines[n]).ssn);
    });
    expect(state.maxConcurrent).toBeLessThanOrEqual(DEFAULT_PIPELINE_OPTIONS.maxInFlight);
    expect(Math.max(...state.batchSizes)).toBeLessThanOrEqual(100);
    expect(stats).toMatchObject({ lines: 2500, records: 2500, errors: 0, tokens: 2500 });
    expect(stats.changed).toEqual([2500, 2500]);
  });

  it('turns bad lines into error lines with their number, never their content, and goes on', async () => {
    const { fetchTokens } = fakeVault();
    const secret = 'Zyxwvut Secretname';
    const lines = [record(1), `{"name": "${secret}", broken`, `"${secret}"`, record(4), '', JSON.stringify({ ssn: secret }), record(7)];
    const { output, stats } = await runAll(lines, fetchTokens);
    expect(output).toHaveLength(7);
    expect(output.join('\n')).not.toContain('Zyxwvut');
    expect(JSON.parse(output[1])).toEqual({ error: { line: 2, code: 'malformed_json', detail: 'The line is not valid JSON.' } });
    expect(JSON.parse(output[2])).toEqual({ error: { line: 3, code: 'not_an_object', detail: 'The line is not a JSON object.' } });
    expect(JSON.parse(output[4]).error).toMatchObject({ line: 5, code: 'malformed_json' });
    expect(JSON.parse(output[5]).error).toMatchObject({ line: 6, code: 'value_rejected', detail: expect.stringContaining('rules[0]') });
    for (const index of [0, 3, 6]) expect(JSON.parse(output[index]).n).toBe(index + 1);
    expect(stats).toMatchObject({ lines: 7, records: 3, errors: 4 });
  });

  it('a token space running out fails only the lines it concerns', async () => {
    const { fetchTokens } = fakeVault((values) => (values.includes('100101001') ? new VaultError(ErrorCode.TokenSpaceExhausted, 'The ssn token space is nearly exhausted.') : null));
    const lines = [0, 1, 2].map((n) => JSON.stringify({ n, ssn: `100-10-100${n}` }));
    const { output } = await runAll(lines, fetchTokens);
    expect(JSON.parse(output[0]).n).toBe(0);
    expect(JSON.parse(output[1])).toEqual({ error: { line: 2, code: 'token_space_exhausted', detail: 'The ssn token space is nearly exhausted.' } });
    expect(JSON.parse(output[2]).n).toBe(2);
  });

  it('when tokens cannot be stored, lines needing them fail and the others are still written', async () => {
    const { fetchTokens } = fakeVault(() => new VaultError(ErrorCode.AuditUnavailable, 'down'));
    const { output, stats } = await runAll([record(1), JSON.stringify({ n: 2, name: 'x' })], fetchTokens);
    expect(JSON.parse(output[0]).error).toMatchObject({ line: 1, code: 'audit_unavailable' });
    expect(JSON.parse(output[1])).toEqual({ n: 2, name: null });
    expect(stats).toMatchObject({ records: 1, errors: 1 });
  });

  it('answers a line before the next one is sent (a slow sender is not kept waiting for a full batch)', async () => {
    const { fetchTokens } = fakeVault();
    const input = new PassThrough();
    const output = deidentifyNdjson(input, walkerFor(POLICY).walker, fetchTokens, newStats())[Symbol.asyncIterator]();
    input.write(`${record(1)}\n`);
    const first = await output.next();
    expect(JSON.parse(first.value as string).n).toBe(1);
    input.end(`${record(2)}\n`);
    expect(JSON.parse((await output.next()).value as string).n).toBe(2);
    expect((await output.next()).done).toBe(true);
  });

  it('stops reading input while the receiver does not read (backpressure)', async () => {
    const { fetchTokens } = fakeVault();
    let produced = 0;
    async function* source() {
      for (;;) {
        produced += 1;
        yield Buffer.from(`${record(produced)}\n`.repeat(100));
      }
    }
    const output = deidentifyNdjson(source(), walkerFor(POLICY).walker, fetchTokens, newStats(), { ...DEFAULT_PIPELINE_OPTIONS, batchValues: 100 })[Symbol.asyncIterator]();
    await output.next();
    await sleep(100);
    const readWhileStalled = produced;
    await sleep(100);
    expect(produced).toBe(readWhileStalled);
    expect(produced).toBeLessThan(20);
    await output.return(undefined);
  });
});
