import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRowsOf } from '../support/detokenize-audit.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const LIMIT = 3;
const JUSTIFICATION = 'Medication reconciliation before discharge';
const BG_JUSTIFICATION = 'Cardiac arrest in bay 3, need the medication list now';

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server of this test's own (no persistence), resolved once it accepts connections. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const output: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join('').includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.join('')}`)));
  });
  return child;
}

async function stopRedis(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/**
 * A real outage in the middle of a run: the vault's own Redis is killed, then started again on the same
 * port. While it is away limits FAIL OPEN (detokenize keeps answering, a warning once a minute, a metric);
 * once it is back they hold again, without restarting the vault.
 */
describe('limits through a Redis outage and back', () => {
  let port: number;
  let redis: ChildProcess | undefined;
  let vault: TestVault;
  let token: string;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    vault = await startTestVault({
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, VAULT_DETOKENIZE_TOKENS_PER_MINUTE: String(LIMIT), VAULT_BREAK_GLASS_CALLS_PER_HOUR: '1' },
    });
    const ingest = await vault.bearer('outage-ingest', ['service'], ['vault:tokenize']);
    const response = await vault.http().post('/v1/tokenize').set('Authorization', ingest).send({ items: [{ type: 'zip', value: '02139', patientRef: 'P-OUT' }] });
    expect(response.status).toBe(200);
    token = response.body.items[0].token;
  });
  afterAll(async () => {
    await vault?.close();
    await stopRedis(redis);
  });

  const detokenize = async (sub: string, count: number, extra: Record<string, unknown> = {}) =>
    vault
      .http()
      .post('/v1/detokenize')
      .set('Authorization', await vault.bearer(sub, ['clinician'], ['vault:detokenize', 'vault:break_glass']))
      .send({ tokens: Array.from({ length: count }, () => token), purpose: 'treatment', justification: JUSTIFICATION, ...extra });
  const breakGlass = (sub: string) => detokenize(sub, 1, { breakGlass: true, purpose: 'emergency', justification: BG_JUSTIFICATION });
  const failOpenCount = async (limit: string): Promise<number> => {
    const match = new RegExp(`phi_vault_rate_limit_fail_open_total\\{limit="${limit}"\\} (\\d+)`).exec((await vault.http().get('/metrics')).text);
    return match === null ? 0 : Number(match[1]);
  };
  const redisState = async (): Promise<string> => (await vault.http().get('/health/ready')).body.checks.redis;
  const warnings = () => vault.logs.filter((line) => line.includes('FAIL OPEN'));

  it('enforces the limits while Redis is up', async () => {
    expect(await redisState()).toBe('up');
    expect((await detokenize('er-before', LIMIT)).status).toBe(200);
    expect((await detokenize('er-before', 1)).status).toBe(429);
    expect((await breakGlass('er-bg-before')).status).toBe(200);
    expect((await breakGlass('er-bg-before')).status).toBe(429);
    expect(await failOpenCount('detokenize_tokens')).toBe(0);
    expect(warnings()).toEqual([]);
  });

  it('when Redis dies mid-run, detokenize keeps answering: limits fail open, warned once, counted', async () => {
    await stopRedis(redis);
    for (let i = 0; i < 4; i++) {
      const response = await detokenize('er-during', 2);
      expect(response.status).toBe(200);
      expect(response.body.items[0]).toMatchObject({ reveal: 'plain', value: '02139' });
    }
    // A caller refused a moment ago is not locked out by the outage either.
    expect((await detokenize('er-before', 1)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await breakGlass('er-bg-during')).status).toBe(200);

    expect(await redisState()).toBe('down');
    expect(await failOpenCount('detokenize_tokens')).toBe(7);
    expect(await failOpenCount('break_glass_calls')).toBe(2);
    expect(await failOpenCount('break_glass_episode')).toBe(2);
    expect(warnings()).toHaveLength(1);
    expect(JSON.parse(warnings()[0])).toMatchObject({ level: 40, limit: 'detokenize_tokens' });
    const during = await auditRowsOf(vault.database.url, 'er-during');
    expect(during.map((event) => event.details.limitsFailedOpen)).toEqual(Array.from({ length: 4 }, () => ['detokenize_tokens']));
    const [bg] = await auditRowsOf(vault.database.url, 'er-bg-during');
    expect(bg.details).toMatchObject({ limitsFailedOpen: ['detokenize_tokens', 'break_glass_calls', 'break_glass_episode'], episodes: [{ patientRef: 'P-OUT', grant: 'single_call' }] });
  });

  it('once Redis is back on the same port, limits hold again without restarting the vault', async () => {
    redis = await startRedis(port);
    // The client reconnects in the background (at most 2 s between attempts).
    for (let attempt = 0; (await redisState()) !== 'up'; attempt++) {
      if (attempt > 100) throw new Error('the vault did not reconnect to Redis');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const failedOpenBefore = await failOpenCount('detokenize_tokens');
    expect((await detokenize('er-after', LIMIT)).status).toBe(200);
    const refused = await detokenize('er-after', 1);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await breakGlass('er-bg-after')).status).toBe(200);
    expect((await breakGlass('er-bg-after')).status).toBe(429);
    expect(await failOpenCount('detokenize_tokens')).toBe(failedOpenBefore);
    const after = await auditRowsOf(vault.database.url, 'er-after');
    expect(after.map((event) => event.details.limitsFailedOpen)).toEqual([undefined, undefined]);
    expect(after.map((event) => event.details.refused ?? event.outcome)).toEqual(['allowed', 'rate_limited']);
    const [episodeEvent] = await auditRowsOf(vault.database.url, 'er-bg-after');
    expect(episodeEvent.details.episodes).toEqual([expect.objectContaining({ patientRef: 'P-OUT', grant: 'opened' })]);
  });
});
