import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

/** Values that must never come back in an answer, whatever part of the request they were put in. */
const SSN = '078-05-1120';
const NAME = 'Henrietta Lacks';

const problemJson = /^application\/problem\+json/;

describe('the HTTP edge: JSON only, nothing echoed, anonymous calls refused before parsing', () => {
  let vault: TestVault;
  let service: string;
  beforeAll(async () => {
    vault = await startTestVault();
    service = await vault.bearer('edge-svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
  });
  afterAll(async () => {
    await vault?.close();
  });

  /** Fastify's in-process injection: headers exactly as given (no client adds a content type). */
  const inject = (options: { method?: 'POST' | 'GET'; url?: string; headers?: Record<string, string>; payload?: string | Buffer }) =>
    vault.app.getHttpAdapter().getInstance().inject({ method: options.method ?? 'POST', url: options.url ?? '/v1/tokenize', headers: options.headers, payload: options.payload });

  const expectNoEcho = (text: string) => {
    expect(text).not.toContain(SSN);
    expect(text).not.toContain(NAME);
    expect(text).not.toContain(SSN.replaceAll('-', ''));
  };

  describe('validation errors never contain submitted content', () => {
    const cases: { name: string; body: unknown; path: string }[] = [
      { name: 'PHI as an unknown key of an item', body: { items: [{ type: 'ssn', value: '123-45-6789', [SSN]: NAME }] }, path: 'items[0]' },
      { name: 'PHI as an unknown top-level key', body: { items: [{ type: 'zip', value: '02139' }], [NAME]: SSN }, path: '(body)' },
      { name: 'PHI as the type (an enum)', body: { items: [{ type: SSN, value: SSN }] }, path: 'items[0].type' },
      { name: 'PHI as the mode (an enum)', body: { mode: NAME, items: [{ type: 'zip', value: '02139' }] }, path: 'mode' },
      { name: 'PHI as a tag', body: { items: [{ type: 'zip', value: '02139', tags: [NAME] }] }, path: 'items[0].tags[0]' },
      { name: 'PHI as a patientRef (not allowed to be PHI-shaped with spaces)', body: { items: [{ type: 'zip', value: '02139', patientRef: NAME }] }, path: 'items[0].patientRef' },
      { name: 'PHI as a value of the wrong type', body: { items: [{ type: 'ssn', value: [SSN] }] }, path: 'items[0].value' },
      { name: 'PHI as a value that does not fit its type', body: { items: [{ type: 'zip', value: SSN }] }, path: 'items[0].value' },
    ];
    for (const testCase of cases) {
      it(`tokenize: ${testCase.name} -> 422 naming ${testCase.path}`, async () => {
        const response = await vault.http().post('/v1/tokenize').set('Authorization', service).send(testCase.body as object);
        expect(response.status).toBe(422);
        expect(response.headers['content-type']).toMatch(problemJson);
        expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(testCase.path);
        expectNoEcho(response.text);
      });
    }

    it('detokenize: PHI as the purpose, as an unknown key and inside a too-long justification -> 422', async () => {
      const response = await vault
        .http()
        .post('/v1/detokenize')
        .set('Authorization', service)
        .send({ tokens: ['123-45-6789'], purpose: SSN, justification: `${NAME} ${SSN} `.repeat(60), [NAME]: true });
      expect(response.status).toBe(422);
      expect(response.body.errors).toHaveLength(3);
      expect(response.body.errors).toEqual(
        expect.arrayContaining([
          { path: '(body)', message: 'has an unknown field' },
          { path: 'purpose', message: expect.stringMatching(/^must be one of "treatment"/) },
          { path: 'justification', message: 'must be at most 1000 characters' },
        ]),
      );
      expectNoEcho(response.text);
    });

    it('malformed JSON quoting PHI -> 400, and the parser error is not passed on', async () => {
      const response = await vault.http().post('/v1/tokenize').set('Authorization', service).set('Content-Type', 'application/json').send(`{"items":[{"type":"ssn","value":"${SSN}", "${NAME}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'malformed_json', detail: 'The request body is not well-formed JSON.' });
      expectNoEcho(response.text);
      expect(response.text).not.toMatch(/position|Unexpected|JSON\.parse/);
    });

    it('a __proto__ key is malformed JSON (400), not an object with a swapped prototype', async () => {
      const response = await vault.http().post('/v1/tokenize').set('Authorization', service).set('Content-Type', 'application/json').send(`{"__proto__":{"x":"${SSN}"},"items":[]}`);
      expect(response.status).toBe(400);
      expectNoEcho(response.text);
    });
  });

  describe('only JSON reaches the validators', () => {
    it("curl's default --data type (application/x-www-form-urlencoded) -> 415, nothing echoed, nothing stored", async () => {
      const before = await tokenRows();
      const response = await vault.http().post('/v1/tokenize').set('Authorization', service).type('form').send(`items[0][type]=ssn&items[0][value]=${SSN}&name=${encodeURIComponent(NAME)}`);
      expect(response.status).toBe(415);
      expect(response.headers['content-type']).toMatch(problemJson);
      expect(response.body.code).toBe('unsupported_media_type');
      expectNoEcho(response.text);
      expect(await tokenRows()).toBe(before);
    });

    it.each([
      ['text/plain', SSN],
      ['application/xml', `<ssn>${SSN}</ssn>`],
      ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="ssn"\r\n\r\n${SSN}\r\n--x--\r\n`],
      ['application/x-ndjson', `{"type":"ssn","value":"${SSN}"}\n`],
    ])('%s -> 415', async (contentType, payload) => {
      const response = await inject({ headers: { authorization: service, 'content-type': contentType }, payload });
      expect(response.statusCode).toBe(415);
      expect(response.headers['content-type']).toMatch(problemJson);
      expectNoEcho(response.body);
    });

    it('a body without a content type -> 415', async () => {
      const response = await inject({ headers: { authorization: service }, payload: `{"items":[{"type":"ssn","value":"${SSN}"}]}` });
      expect(response.headers['content-type']).toMatch(problemJson);
      expect(response.statusCode).toBe(415);
    });

    it('JSON with a charset parameter is still JSON', async () => {
      const response = await inject({ headers: { authorization: service, 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify({ items: [{ type: 'zip', value: '02139' }] }) });
      expect(response.statusCode).toBe(200);
    });

    it('NDJSON still streams into /v1/deidentify', async () => {
      const response = await vault
        .http()
        .post('/v1/deidentify?policy=safe-harbor')
        .set('Authorization', service)
        .set('Content-Type', 'application/x-ndjson')
        .send(`${JSON.stringify({ ssn: SSN, name: NAME, note: 'ok' })}\n`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expectNoEcho(response.text);
      // One de-identified line per input line: the record went through the NDJSON pipeline.
      const lines = response.text.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(Object.keys(JSON.parse(lines[0])).sort()).toEqual(['name', 'note', 'ssn']);
    });
  });

  describe('anonymous /v1 requests: 401 before the body is read', () => {
    const oversized = JSON.stringify({ items: [{ type: 'text', value: 'x'.repeat(1.5 * 1024 * 1024) }] });

    it.each([
      ['no Authorization header', undefined],
      ['Basic credentials', `Basic ${Buffer.from('alice:secret').toString('base64')}`],
      ['a bare "Bearer"', 'Bearer'],
      ['a bearer that is not a JWT', 'Bearer 0123456789abcdef'],
    ])('%s: a malformed body -> 401 (not 400), a 1.5 MiB body -> 401 (not 413)', async (_name, authorization) => {
      const malformed = vault.http().post('/v1/tokenize').set('Content-Type', 'application/json');
      if (authorization !== undefined) malformed.set('Authorization', authorization);
      const refused = await malformed.send(`{"items":[{"value":"${SSN}"`);
      expect(refused.status).toBe(401);
      expect(refused.headers['content-type']).toMatch(problemJson);
      expect(refused.headers['www-authenticate']).toBe('Bearer');
      expect(refused.body).toMatchObject({ status: 401, code: 'unauthenticated' });
      expectNoEcho(refused.text);

      const huge = vault.http().post('/v1/tokenize').set('Content-Type', 'application/json');
      if (authorization !== undefined) huge.set('Authorization', authorization);
      const refusedHuge = await huge.send(oversized);
      expect(refusedHuge.status).toBe(401);
      expect(refusedHuge.body.code).toBe('unauthenticated');
    });

    it('with a bearer token the same bodies get 400 and 413, as before', async () => {
      const malformed = await vault.http().post('/v1/tokenize').set('Authorization', service).set('Content-Type', 'application/json').send(`{"items":[{"value":"${SSN}"`);
      expect(malformed.status).toBe(400);
      const huge = await vault.http().post('/v1/tokenize').set('Authorization', service).set('Content-Type', 'application/json').send(oversized);
      expect(huge.status).toBe(413);
      expect(huge.body.code).toBe('payload_too_large');
    });

    it('a form or NDJSON body without a bearer is refused with 401, not parsed into 415', async () => {
      const form = await vault.http().post('/v1/tokenize').type('form').send(`ssn=${SSN}`);
      expect(form.status).toBe(401);
      const ndjson = await vault.http().post('/v1/deidentify?policy=safe-harbor').set('Content-Type', 'application/x-ndjson').send(`{"ssn":"${SSN}"}\n`);
      expect(ndjson.status).toBe(401);
    });

    it('covers every /v1 path, served or not, in any letter case; leaves health, metrics and docs open', async () => {
      for (const [method, url] of [
        ['GET', '/v1/tokens/123-45-6789'],
        ['GET', '/v1/no-such-route'],
        ['GET', '/V1/tokens/123-45-6789'],
        ['POST', '/v1'],
        ['GET', '/v1?x=1'],
      ] as const) {
        const response = await inject({ method, url });
        expect(response.statusCode, `${method} ${url}`).toBe(401);
      }
      for (const url of ['/health/live', '/health/ready', '/metrics', '/docs/json']) {
        expect((await inject({ method: 'GET', url })).statusCode, url).toBe(200);
      }
    });
  });

  describe('query strings', () => {
    it('an unknown query parameter is reported at (query), unnamed, and its value is not echoed', async () => {
      const reader = await vault.bearer('edge-reader', ['compliance'], ['audit:read']);
      const response = await vault.http().get(`/v1/audit/events?${encodeURIComponent(SSN)}=${encodeURIComponent(NAME)}`).set('Authorization', reader);
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual([{ path: '(query)', message: 'has an unknown field' }]);
      expectNoEcho(response.text);
    });
  });

  describe('path parameters', () => {
    it('takes a 254-character email token and a 128-character patientRef; past the limit it is still a problem, unechoed', async () => {
      const admin = await vault.bearer('edge-admin', ['service'], ['vault:tokenize', 'vault:admin']);
      const longEmail = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(53)}.invalid`;
      expect(longEmail).toHaveLength(254);
      const described = await vault.http().get(`/v1/tokens/${encodeURIComponent(longEmail)}`).set('Authorization', service);
      expect(described.status).toBe(404);
      expect(described.headers['content-type']).toMatch(problemJson);
      const erased = await vault.http().delete(`/v1/patients/${'P'.repeat(128)}/tokens`).set('Authorization', admin).send({ purpose: 'legal', justification: 'Edge test of a long reference' });
      expect(erased.status).toBe(200);
      const tooLong = `${SSN}${'9'.repeat(2000)}`;
      const refused = await vault.http().get(`/v1/tokens/${tooLong}`).set('Authorization', service);
      expect(refused.status).toBe(414);
      expect(refused.headers['content-type']).toMatch(problemJson);
      expect(refused.body).toMatchObject({ status: 414, code: 'uri_too_long', requestId: expect.any(String) });
      expectNoEcho(refused.text);
      const badEncoding = await inject({ method: 'GET', url: `/v1/tokens/${SSN}%E0%A4%A`, headers: { authorization: service } });
      expect(badEncoding.statusCode).toBe(400);
      expect(badEncoding.json()).toMatchObject({ code: 'malformed_url' });
      expectNoEcho(badEncoding.body);
    });
  });

  describe('request ids', () => {
    it('honours a well-formed X-Request-Id: echoed in the header and in the problem body', async () => {
      const response = await vault.http().post('/v1/tokenize').set('X-Request-Id', 'trace-01.abc_DEF').set('Authorization', service).send({ items: [] });
      expect(response.status).toBe(422);
      expect(response.headers['x-request-id']).toBe('trace-01.abc_DEF');
      expect(response.body.requestId).toBe('trace-01.abc_DEF');
    });

    it.each([
      ['too long', 'a'.repeat(65)],
      ['with a space', 'trace 01'],
      ['with a slash', 'a/b'],
      ['with a quote', 'a"b'],
      ['empty', ''],
    ])('replaces one %s with a generated id', async (_name, offered) => {
      const response = await inject({ method: 'GET', url: '/v1/tokens/x', headers: { 'x-request-id': offered } });
      expect(response.statusCode).toBe(401);
      const id = response.headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(JSON.parse(response.body).requestId).toBe(id);
    });

    it('generates a fresh id per request when none is sent, on every kind of answer', async () => {
      const ids = new Set<string>();
      for (const url of ['/health/live', '/v1/tokens/x', '/nowhere']) {
        const response = await inject({ method: 'GET', url });
        ids.add(String(response.headers['x-request-id']));
      }
      expect(ids.size).toBe(3);
      const accepted = await vault.http().get('/v1/tokens/000-00-0000').set('Authorization', service);
      expect(accepted.status).toBe(404);
      expect(accepted.body.requestId).toBe(accepted.headers['x-request-id']);
    });
  });

  describe('the 500 path', () => {
    const PATIENT = 'P-LEAK-778899';
    beforeAll(async () => {
      // The database refuses the row with an error quoting the submitted patientRef: as driver and Prisma errors quote parameters.
      await withSql(vault.database.url, async (query) => {
        await query(`CREATE FUNCTION edge_refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'refusing the row of patient %', NEW.patient_ref USING DETAIL = 'token ' || NEW.token; END $$`);
        await query(`CREATE TRIGGER edge_refuse_row BEFORE INSERT ON tokens FOR EACH ROW WHEN (NEW.patient_ref LIKE 'P-LEAK-%') EXECUTE FUNCTION edge_refuse_row()`);
      });
    });

    it('answers a generic problem, and logs the error class and code only (no message, no stack, no parameter)', async () => {
      const logsBefore = vault.logs.length;
      const response = await vault
        .http()
        .post('/v1/tokenize')
        .set('Authorization', service)
        .set('X-Request-Id', 'edge-500')
        .send({ mode: 'random', items: [{ type: 'ssn', value: SSN, patientRef: PATIENT }] });
      expect(response.status).toBe(500);
      expect(response.headers['content-type']).toMatch(problemJson);
      expect(response.body).toEqual({
        type: 'urn:phi-vault:problem:internal_error',
        title: 'Internal error',
        status: 500,
        detail: 'The vault could not complete the request.',
        code: 'internal_error',
        requestId: 'edge-500',
      });
      const logs = vault.logs.slice(logsBefore).join('');
      for (const text of [response.text, logs]) {
        expectNoEcho(text);
        expect(text).not.toContain(PATIENT);
        expect(text).not.toContain('refusing the row');
        expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
      }
      const failure = vault.logs
        .slice(logsBefore)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.msg === 'request failed');
      // e.g. { name: 'PrismaClientKnownRequestError', dbCode: 'P2010' }: identifiers only.
      expect(failure).toMatchObject({ requestId: 'edge-500', code: 'internal_error', err: { name: expect.stringMatching(/^[A-Za-z]+$/) } });
      const described = failure?.err as Record<string, unknown>;
      expect(['name', 'cause', 'dbCode']).toEqual(expect.arrayContaining(Object.keys(described)));
      for (const field of Object.values(described)) expect(field).toMatch(/^[A-Za-z0-9_.:-]{1,64}$/);
    });
  });

  async function tokenRows(): Promise<number> {
    return withSql(vault.database.url, async (query) => Number((await query<{ n: string }>('SELECT count(*) AS n FROM tokens'))[0].n));
  }
});
