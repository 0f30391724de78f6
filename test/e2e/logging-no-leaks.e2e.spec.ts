import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVault, type TestVault } from '../support/vault.js';

/** Every value and body fragment sent below; none may appear in any log line, at any level. */
const VALUES = {
  ssn: '219-09-9999',
  name: 'Ottilie Wexford',
  email: 'ottilie.wexford@example.org',
  pan: '4012 8888 8888 1881',
  mrn: 'MRN-55-00912',
  patientRef: 'P-LOGTEST-4242',
};
const FRAGMENTS = ['Justification-Marker-Quokka', 'Note-Marker-Wombat', 'Query-Marker-Numbat', 'Form-Marker-Bilby'];

interface LogLine {
  readonly msg: string;
  readonly [field: string]: unknown;
}

const ACCESS_FIELDS = ['level', 'time', 'service', 'requestId', 'method', 'route', 'status', 'durationMs', 'sub', 'msg'];

describe('logs: one access line per request, and never a value, body, token or credential', () => {
  let vault: TestVault;
  let bearer: string;
  const sent: { id: string; method: string; route: string; status: number; sub?: string }[] = [];
  const issuedTokens: string[] = [];

  beforeAll(async () => {
    // trace: everything any module logs is captured and scanned, not only what the default level shows.
    vault = await startTestVault({ env: { LOG_LEVEL: 'trace' } });
    bearer = await vault.bearer('log-caller', ['service'], ['vault:tokenize', 'vault:detokenize', 'audit:read']);
    const http = () => vault.http();
    let n = 0;
    const call = async (expected: Omit<(typeof sent)[number], 'id'>, run: (id: string) => PromiseLike<{ status: number; headers: Record<string, string> }>) => {
      const id = `log-${(n += 1)}`;
      const response = await run(id);
      expect(response.status, `${expected.method} ${expected.route}`).toBe(expected.status);
      expect(response.headers['x-request-id']).toBe(id);
      sent.push({ id, ...expected });
      return response;
    };
    const authed = { sub: 'log-caller' };

    const tokenized = (await call({ method: 'POST', route: '/v1/tokenize', status: 200, ...authed }, (id) =>
      http()
        .post('/v1/tokenize')
        .set('X-Request-Id', id)
        .set('Authorization', bearer)
        .send({
          items: [
            { type: 'ssn', value: VALUES.ssn, patientRef: VALUES.patientRef, tags: ['restricted'] },
            { type: 'name', value: VALUES.name },
            { type: 'email', value: VALUES.email },
            { type: 'pan', value: VALUES.pan },
            { type: 'mrn', value: VALUES.mrn, patientRef: VALUES.patientRef },
          ],
        }),
    )) as unknown as { body: { items: { token: string }[] } };
    issuedTokens.push(...tokenized.body.items.map((item) => item.token));

    await call({ method: 'GET', route: '/v1/tokens/:token', status: 200, ...authed }, (id) =>
      http().get(`/v1/tokens/${encodeURIComponent(issuedTokens[1])}`).set('X-Request-Id', id).set('Authorization', bearer),
    );
    await call({ method: 'POST', route: '/v1/detokenize', status: 200, ...authed }, (id) =>
      http()
        .post('/v1/detokenize')
        .set('X-Request-Id', id)
        .set('Authorization', bearer)
        .send({ tokens: issuedTokens, purpose: 'treatment', justification: `${FRAGMENTS[0]} for today's visit` }),
    );
    await call({ method: 'POST', route: '/v1/deidentify', status: 200, ...authed }, (id) =>
      http()
        .post('/v1/deidentify?policy=safe-harbor')
        .set('X-Request-Id', id)
        .set('Authorization', bearer)
        .set('Content-Type', 'application/x-ndjson')
        .send(`${JSON.stringify({ ssn: VALUES.ssn, name: VALUES.name, email: VALUES.email, note: FRAGMENTS[1] })}\n{"broken": \n`),
    );
    await call({ method: 'GET', route: '/v1/audit/events', status: 200, ...authed }, (id) =>
      http().get(`/v1/audit/events?actor=${encodeURIComponent(FRAGMENTS[2])}&limit=5`).set('X-Request-Id', id).set('Authorization', bearer),
    );
    // Errors: validation quoting PHI, malformed JSON, a form, a forged bearer, no bearer, an unknown URL with a query string.
    await call({ method: 'POST', route: '/v1/tokenize', status: 422, ...authed }, (id) =>
      http().post('/v1/tokenize').set('X-Request-Id', id).set('Authorization', bearer).send({ mode: VALUES.name, items: [{ type: VALUES.ssn, value: VALUES.ssn, [VALUES.email]: 1 }] }),
    );
    // A body that cannot be parsed is refused before the JWT is verified: the caller is not known yet (no sub).
    await call({ method: 'POST', route: '/v1/detokenize', status: 400 }, (id) =>
      http().post('/v1/detokenize').set('X-Request-Id', id).set('Authorization', bearer).set('Content-Type', 'application/json').send(`{"tokens":["${VALUES.ssn}"],"justification":"${FRAGMENTS[0]}`),
    );
    await call({ method: 'POST', route: '/v1/tokenize', status: 415 }, (id) =>
      http().post('/v1/tokenize').set('X-Request-Id', id).set('Authorization', bearer).type('form').send(`ssn=${VALUES.ssn}&note=${FRAGMENTS[3]}`),
    );
    const forged = `${bearer.slice(0, -12)}AAAAAAAAAAAA`;
    await call({ method: 'POST', route: '/v1/detokenize', status: 401 }, (id) =>
      http().post('/v1/detokenize').set('X-Request-Id', id).set('Authorization', forged).send({ tokens: issuedTokens, purpose: 'treatment', justification: FRAGMENTS[0] }),
    );
    await call({ method: 'POST', route: '/v1/tokenize', status: 401 }, (id) => http().post('/v1/tokenize').set('X-Request-Id', id).send({ items: [{ type: 'ssn', value: VALUES.ssn }] }));
    await call({ method: 'GET', route: 'unmatched', status: 404 }, (id) => http().get(`/nowhere/${VALUES.ssn}?ssn=${VALUES.ssn}&q=${FRAGMENTS[2]}`).set('X-Request-Id', id));
    await call({ method: 'GET', route: '/health/live', status: 200 }, (id) => http().get('/health/live').set('X-Request-Id', id));

    // An access line is written once the response has been flushed, which the client may see first.
    await until(() => sent.every(({ id }) => accessLines().some((line) => line.requestId === id)));
  });
  afterAll(async () => {
    await vault?.close();
  });

  const lines = (): LogLine[] => vault.logs.flatMap((chunk) => chunk.split('\n').filter((text) => text.trim() !== '')).map((text) => JSON.parse(text) as LogLine);
  const accessLines = () => lines().filter((line) => line.msg === 'request');

  it('writes structured JSON, every line parseable', () => {
    expect(lines().length).toBeGreaterThan(sent.length);
  });

  it('contains no value, in any rendering, and no body fragment', () => {
    const text = vault.logs.join('');
    for (const value of Object.values(VALUES)) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(value.replace(/[\s-]/g, ''));
      expect(text).not.toContain(JSON.stringify(value).slice(1, -1));
    }
    expect(text.toLowerCase()).not.toContain(VALUES.name.toLowerCase());
    for (const fragment of FRAGMENTS) expect(text).not.toContain(fragment);
  });

  it('contains no token issued, no JWT or part of one, no "Bearer"', () => {
    const text = vault.logs.join('');
    for (const token of issuedTokens) expect(text).not.toContain(token);
    const jwt = bearer.replace(/^Bearer /, '');
    for (const part of jwt.split('.')) expect(text).not.toContain(part);
    expect(text).not.toContain('eyJ'); // the start of every base64url JSON header or payload
    expect(text).not.toMatch(/bearer/i);
    expect(text).not.toMatch(/authorization/i);
  });

  it('has exactly one access line per request, carrying its id, method, route template, status, duration and caller', () => {
    const access = accessLines();
    for (const expected of sent) {
      const mine = access.filter((line) => line.requestId === expected.id);
      expect(mine, expected.id).toHaveLength(1);
      const [line] = mine;
      expect(line).toMatchObject({ method: expected.method, route: expected.route, status: expected.status, level: 30 });
      expect(typeof line.durationMs).toBe('number');
      if (expected.sub === undefined) expect(line).not.toHaveProperty('sub');
      else expect(line.sub).toBe(expected.sub);
      for (const field of Object.keys(line)) expect(ACCESS_FIELDS).toContain(field);
    }
    // Nothing else wrote an access line: one per request made.
    expect(access.filter((line) => String(line.requestId).startsWith('log-'))).toHaveLength(sent.length);
  });

  it('never logs a URL or a query string, only route templates', () => {
    const text = vault.logs.join('');
    expect(text).not.toContain('/nowhere');
    expect(text).not.toContain('?ssn=');
    expect(text).not.toContain('actor=');
    for (const line of accessLines()) expect(String(line.route)).not.toContain('?');
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 500 && !condition(); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
