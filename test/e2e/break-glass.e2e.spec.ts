import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../support/database-urls.js';
import { auditRowsOf } from '../support/detokenize-audit.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const CAP = 3;
const JUSTIFICATION = 'Unconscious patient in the ED; need allergy and medication history';
const VALUES = { ssnP1: '123-45-6789', nameP1: 'Ann Lee', mrnP2: 'MRN-000777', zipNoPatient: '02139' };

interface Episode {
  episodeId: string;
  patientRef: string | null;
  grant: 'opened' | 'reused' | 'single_call';
  expiresAt: string | null;
}

describe('break-glass', () => {
  let vault: TestVault;
  let redis: Redis;
  const tokens: Record<keyof typeof VALUES, string> = { ssnP1: '', nameP1: '', mrnP2: '', zipNoPatient: '' };

  beforeAll(async () => {
    vault = await startTestVault({ env: { VAULT_BREAK_GLASS_CALLS_PER_HOUR: String(CAP) } });
    redis = new Redis(testRedisUrl(), { keyPrefix: vault.env.REDIS_KEY_PREFIX });
    const ingest = await vault.bearer('bg-ingest', ['service'], ['vault:tokenize']);
    const response = await vault
      .http()
      .post('/v1/tokenize')
      .set('Authorization', ingest)
      .send({
        items: [
          { type: 'ssn', value: VALUES.ssnP1, patientRef: 'P-1', tags: ['restricted'] },
          { type: 'name', value: VALUES.nameP1, patientRef: 'P-1', tags: ['restricted'] },
          { type: 'mrn', value: VALUES.mrnP2, patientRef: 'P-2', tags: ['restricted'] },
          { type: 'zip', value: VALUES.zipNoPatient, tags: ['restricted'] },
        ],
      });
    expect(response.status).toBe(200);
    (Object.keys(tokens) as (keyof typeof VALUES)[]).forEach((key, index) => (tokens[key] = response.body.items[index].token));
  });
  afterAll(async () => {
    redis?.disconnect();
    await vault?.close();
  });

  const breakGlass = async (sub: string, tokenList: string[], extra: Record<string, unknown> = {}, scopes = ['vault:detokenize', 'vault:break_glass']) =>
    vault
      .http()
      .post('/v1/detokenize')
      .set('Authorization', await vault.bearer(sub, ['clinician'], scopes))
      .send({ tokens: tokenList, purpose: 'emergency', justification: JUSTIFICATION, breakGlass: true, ...extra });
  const episodesOf = async (sub: string): Promise<Episode[][]> =>
    (await auditRowsOf(vault.database.url, sub)).map((row) => (row.details.episodes ?? []) as Episode[]);

  it('without vault:break_glass: 403 before any lookup, audited as a denied break-glass attempt', async () => {
    const response = await breakGlass('bg-no-scope', [tokens.ssnP1], {}, ['vault:detokenize']);
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'forbidden', detail: 'Break-glass needs the scope vault:break_glass.' });
    expect(response.text).not.toContain(VALUES.ssnP1);
    const [event] = await auditRowsOf(vault.database.url, 'bg-no-scope');
    expect(event).toMatchObject({ break_glass: true, outcome: 'denied', purpose: 'emergency', details: { refused: 'missing_break_glass_scope', tokenCount: 1 } });
  });

  it('needs purpose emergency or treatment and a justification of 30 characters or more (422, audited as denied)', async () => {
    const wrongPurpose = await breakGlass('bg-rules', [tokens.ssnP1], { purpose: 'payment' });
    expect(wrongPurpose.status).toBe(422);
    expect(wrongPurpose.body.errors).toEqual([{ path: 'purpose', message: 'break-glass needs purpose "emergency" or "treatment"' }]);
    const short = await breakGlass('bg-rules', [tokens.ssnP1], { justification: 'x'.repeat(29) });
    expect(short.status).toBe(422);
    expect(short.body.errors).toEqual([{ path: 'justification', message: 'break-glass needs a justification of at least 30 characters' }]);
    const padded = await breakGlass('bg-rules', [tokens.ssnP1], { justification: `   ${'x'.repeat(27)}   ` });
    expect(padded.status).toBe(422);
    for (const response of [wrongPurpose, short, padded]) expect(response.text).not.toContain(VALUES.ssnP1);
    const refusals = await auditRowsOf(vault.database.url, 'bg-rules');
    expect(refusals).toHaveLength(3);
    for (const event of refusals) {
      expect(event).toMatchObject({ break_glass: true, outcome: 'denied', details: { refused: 'break_glass_rules', tokenCount: 1 } });
      expect(JSON.stringify(event)).not.toContain(VALUES.ssnP1);
    }
    const treatment = await breakGlass('bg-rules', [tokens.ssnP1], { purpose: 'treatment', justification: 'x'.repeat(30) });
    expect(treatment.status).toBe(200);
  });

  it('reveals restricted tokens plain and records the event as break-glass with an opened episode', async () => {
    const before = Date.now();
    const response = await breakGlass('dr-house', [tokens.ssnP1, tokens.nameP1, '000-00-0000']);
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([
      { token: tokens.ssnP1, type: 'ssn', reveal: 'plain', value: VALUES.ssnP1 },
      { token: tokens.nameP1, type: 'name', reveal: 'plain', value: VALUES.nameP1 },
      { token: '000-00-0000', type: null, reveal: 'not_found' },
    ]);
    const [event] = await auditRowsOf(vault.database.url, 'dr-house');
    expect(event).toMatchObject({ id: response.body.auditId, break_glass: true, outcome: 'allowed', purpose: 'emergency', justification: JUSTIFICATION });
    const [episode] = event.details.episodes as Episode[];
    expect(event.details.episodes).toHaveLength(1);
    expect(episode).toMatchObject({ patientRef: 'P-1', grant: 'opened', episodeId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const expiresIn = Date.parse(episode.expiresAt as string) - before;
    expect(expiresIn).toBeGreaterThan(59 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(60 * 60_000 + 5_000);
    expect(JSON.stringify(event)).not.toContain(VALUES.ssnP1);
  });

  it("the same caller's further calls for that patient reuse the episode; others get their own; every call is audited", async () => {
    await breakGlass('dr-cuddy', [tokens.ssnP1]);
    await breakGlass('dr-cuddy', [tokens.nameP1, tokens.mrnP2]);
    await breakGlass('dr-wilson', [tokens.ssnP1]);
    const [[first], [reusedP1, openedP2]] = await episodesOf('dr-cuddy');
    expect(first).toMatchObject({ patientRef: 'P-1', grant: 'opened' });
    expect(reusedP1).toMatchObject({ patientRef: 'P-1', grant: 'reused', episodeId: first.episodeId, expiresAt: first.expiresAt });
    expect(openedP2).toMatchObject({ patientRef: 'P-2', grant: 'opened' });
    expect(openedP2.episodeId).not.toBe(first.episodeId);
    const [[wilson]] = await episodesOf('dr-wilson');
    expect(wilson).toMatchObject({ patientRef: 'P-1', grant: 'opened' });
    expect(wilson.episodeId).not.toBe(first.episodeId);
    expect(await auditRowsOf(vault.database.url, 'dr-cuddy')).toHaveLength(2);
  });

  it('reviewers see the episodes in the audit API (GET /v1/audit/events and /events/{id}), never a value', async () => {
    const response = await breakGlass('dr-park', [tokens.ssnP1, tokens.zipNoPatient]);
    expect(response.status).toBe(200);
    const reviewer = await vault.bearer('compliance-bg', ['compliance'], ['audit:read']);
    const one = await vault.http().get(`/v1/audit/events/${response.body.auditId}`).set('Authorization', reviewer);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ breakGlass: true, review: { status: 'pending' } });
    expect(one.body.details).toMatchObject({
      reveals: { plain: 2, masked: 0, denied: 0, not_found: 0 },
      patientRefs: ['P-1'],
      episodes: [
        { patientRef: 'P-1', grant: 'opened', episodeId: expect.stringMatching(/^[0-9a-f-]{36}$/), expiresAt: expect.any(String) },
        { patientRef: null, grant: 'single_call', expiresAt: null },
      ],
    });
    const listed = await vault.http().get('/v1/audit/events').query({ actor: 'dr-park', breakGlass: 'true' }).set('Authorization', reviewer);
    expect(listed.body.items.map((item: { details: unknown }) => item.details)).toEqual([one.body.details]);
    // A refusal shows its reason.
    await breakGlass('dr-park-unscoped', [tokens.ssnP1], {}, ['vault:detokenize']);
    const refused = await vault.http().get('/v1/audit/events').query({ actor: 'dr-park-unscoped' }).set('Authorization', reviewer);
    expect(refused.body.items[0]).toMatchObject({ outcome: 'denied', breakGlass: true, details: { refused: 'missing_break_glass_scope', tokenCount: 1 } });
    for (const text of [one.text, listed.text, refused.text]) for (const value of Object.values(VALUES)) expect(text).not.toContain(value);
  });

  it('keeps the episode in Redis under a hashed key with a 60-minute expiry; once it expires a new one opens', async () => {
    await breakGlass('dr-foreman', [tokens.mrnP2]);
    const [[opened]] = await episodesOf('dr-foreman');
    const raw = new Redis(testRedisUrl());
    const keys = await raw.keys(`${vault.env.REDIS_KEY_PREFIX}limits:break-glass-episode:*`).finally(() => raw.disconnect());
    const prefixless = keys.map((key) => key.slice(vault.env.REDIS_KEY_PREFIX.length));
    const values = await Promise.all(prefixless.map((key) => redis.get(key)));
    const index = values.findIndex((value) => value?.split(' ')[0] === opened.episodeId);
    expect(values[index]).toBe(`${opened.episodeId} ${Date.parse(opened.expiresAt as string)}`);
    expect(index).toBeGreaterThanOrEqual(0);
    const key = prefixless[index];
    expect(key).not.toContain('dr-foreman');
    expect(key).not.toContain('P-2');
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(59 * 60_000);
    expect(ttl).toBeLessThanOrEqual(60 * 60_000);
    await redis.del(key); // as if the 60 minutes had passed
    await breakGlass('dr-foreman', [tokens.mrnP2]);
    const [, [reopened]] = await episodesOf('dr-foreman');
    expect(reopened).toMatchObject({ patientRef: 'P-2', grant: 'opened' });
    expect(reopened.episodeId).not.toBe(opened.episodeId);
  });

  it('tokens without a patientRef (or nothing found) get an episode for that call alone', async () => {
    await breakGlass('dr-chase', [tokens.zipNoPatient, tokens.ssnP1]);
    await breakGlass('dr-chase', [tokens.zipNoPatient]);
    await breakGlass('dr-chase', ['000-00-0000']);
    const [[p1, single1], [single2], [single3]] = await episodesOf('dr-chase');
    expect(p1).toMatchObject({ patientRef: 'P-1', grant: 'opened' });
    for (const single of [single1, single2, single3]) expect(single).toMatchObject({ patientRef: null, grant: 'single_call', expiresAt: null });
    expect(new Set([single1.episodeId, single2.episodeId, single3.episodeId]).size).toBe(3);
  });

  it(`caps a caller at ${CAP} break-glass calls an hour: the next is 429 with Retry-After, audited as denied, revealing nothing`, async () => {
    for (let i = 0; i < CAP; i++) expect((await breakGlass('dr-taub', [tokens.ssnP1])).status).toBe(200);
    const refused = await breakGlass('dr-taub', [tokens.ssnP1, tokens.mrnP2]);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 429, code: 'rate_limited' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.body.items).toBeUndefined();
    expect(refused.text).not.toContain(VALUES.ssnP1);
    expect(refused.text).not.toContain(VALUES.mrnP2);
    const events = await auditRowsOf(vault.database.url, 'dr-taub');
    expect(events).toHaveLength(CAP + 1);
    expect(events[CAP]).toMatchObject({
      break_glass: true,
      outcome: 'denied',
      tokens: [tokens.ssnP1, tokens.mrnP2],
      details: { refused: 'break_glass_limit', tokenCount: 2 },
    });
    expect(events[CAP].details.episodes).toBeUndefined(); // refused before any lookup: no episode
    // The cap is on break-glass only, and per caller.
    const normal = await vault.http().post('/v1/detokenize').set('Authorization', await vault.bearer('dr-taub', ['clinician'], ['vault:detokenize']))
      .send({ tokens: [tokens.ssnP1], purpose: 'treatment', justification: 'Routine follow-up visit' });
    expect(normal.status).toBe(200);
    expect(normal.body.items[0].reveal).toBe('denied');
    expect((await breakGlass('dr-kutner', [tokens.ssnP1])).status).toBe(200);
  });

  it('reveal "masked" lowers even a break-glass reveal', async () => {
    const response = await breakGlass('dr-masked', [tokens.ssnP1], { reveal: 'masked' });
    expect(response.body.items[0]).toEqual({ token: tokens.ssnP1, type: 'ssn', reveal: 'masked', value: '***-**-6789' });
    const [event] = await auditRowsOf(vault.database.url, 'dr-masked');
    expect(event.details).toMatchObject({ requestedReveal: 'masked', reveals: { masked: 1 } });
  });
});
