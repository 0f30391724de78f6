import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';
import { FHIR_BUNDLES, fhirBundleText, fhirPhi, leaks, phoneDigits, SYNTHEA_FILES, syntheaPhi, syntheaRecords } from '../unit/deid/fixtures/real-data.js';

interface Summary {
  policy: string;
  version: number;
  lines: number;
  records: number;
  errors: number;
  tokens: number;
  rules: { rule: number; path: string; action: string; changed: number }[];
  auditId: string;
}

describe('POST /v1/deidentify', () => {
  let vault: TestVault;
  let etl: string;
  let service: string;
  let admin: string;

  beforeAll(async () => {
    vault = await startTestVault();
    etl = await vault.bearer('etl-job', ['service'], ['vault:tokenize']);
    service = await vault.bearer('reid-svc', ['service'], ['vault:detokenize']);
    admin = await vault.bearer('policy-admin', ['admin'], ['vault:admin']);
  });
  afterAll(async () => {
    await vault?.close();
  });

  const deidentify = async (body: string, policy = 'safe-harbor', auth = etl) => {
    const response = await vault.http().post(`/v1/deidentify?policy=${policy}`).set('Authorization', auth).set('Content-Type', 'application/x-ndjson').send(body);
    const trailer = (response as unknown as { res: { trailers: Record<string, string> } }).res.trailers['deid-summary'];
    const lines = response.status === 200 ? response.text.split('\n').slice(0, -1) : [];
    return { response, lines, summary: trailer === undefined ? null : (JSON.parse(trailer) as Summary) };
  };
  const detokenize = (tokens: string[]) =>
    vault.http().post('/v1/detokenize').set('Authorization', service).send({ tokens, purpose: 'operations', justification: 'Re-identifying a de-identified extract for the covered entity' });
  const ndjson = (values: unknown[]) => `${values.map((value) => JSON.stringify(value)).join('\n')}\n`;

  it.each(SYNTHEA_FILES)('Synthea %s as flat records: no name (in any form), SSN, licence, passport, street, city, coordinate, record key, full date or ZIP5 of the input anywhere in the output', async (file) => {
    const records = syntheaRecords(file);
    const { response, lines, summary } = await deidentify(ndjson(records));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(lines).toHaveLength(records.length);
    expect(leaks(response.text, syntheaPhi(records))).toEqual([]);
    expect(summary).toMatchObject({ policy: 'safe-harbor', version: 2, lines: records.length, records: records.length, errors: 0 });
    lines.forEach((line, index) => expect(Object.keys(JSON.parse(line))).toEqual(Object.keys(records[index])));
  });

  it.each(FHIR_BUNDLES)('FHIR bundle %s: nothing identifying survives; the MRN and the resource ids are vault tokens that detokenize back', async (name) => {
    const text = fhirBundleText(name);
    const input = JSON.parse(text);
    const phi = fhirPhi(input);
    const mrn = input.entry[0].resource.identifier.find((identifier: { type?: { coding: { code: string }[] } }) => identifier.type?.coding[0].code === 'MR').value;
    const { response, lines, summary } = await deidentify(`${JSON.stringify(input)}\n`);
    expect(response.status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(leaks(response.text, [...phi, ...phoneDigits(phi)])).toEqual([]);
    expect(response.text).not.toContain(mrn);
    const bundle = JSON.parse(lines[0]);
    expect(bundle.entry).toHaveLength(input.entry.length);
    const token = bundle.entry[0].resource.identifier.find((identifier: { type?: { coding: { code: string }[] } }) => identifier.type?.coding[0].code === 'MR').value;
    expect(summary?.tokens).toBeGreaterThan(1000);
    const patient = bundle.entry[0].resource;
    const observation = bundle.entry.find((entry: { resource: { resourceType: string } }) => entry.resource.resourceType === 'Observation').resource;
    const originalObservation = input.entry.find((entry: { resource: { resourceType: string } }) => entry.resource.resourceType === 'Observation').resource;
    expect(observation.subject.reference).toBe(`urn:uuid:${patient.id}`);
    const revealed = await detokenize([token, patient.id, observation.id]);
    expect(revealed.status).toBe(200);
    expect(revealed.body.items).toEqual([
      expect.objectContaining({ reveal: 'plain', value: mrn, type: 'mrn' }),
      expect.objectContaining({ reveal: 'plain', value: input.entry[0].resource.id, type: 'mrn' }),
      expect.objectContaining({ reveal: 'plain', value: originalObservation.id, type: 'mrn' }),
    ]);
  });

  it('record keys link across records and across calls, and detokenize back (deterministic vault tokens, not hashes)', async () => {
    const patients = syntheaRecords('patients');
    const encounters = syntheaRecords('encounters');
    const first = await deidentify(ndjson(patients));
    const second = await deidentify(ndjson(encounters));
    const patientTokens = first.lines.map((line) => JSON.parse(line).Id as string);
    const encounterPatients = second.lines.map((line) => JSON.parse(line).PATIENT as string);
    // Every encounter's PATIENT is the token its patient got in the other call.
    encounters.forEach((encounter, index) => expect(encounterPatients[index]).toBe(patientTokens[patients.findIndex((patient) => patient.Id === encounter.PATIENT)]));
    const revealed = await detokenize(patientTokens.slice(0, 5));
    expect(revealed.body.items.map((item: { value: string }) => item.value)).toEqual(patients.slice(0, 5).map((patient) => patient.Id));
    const again = await deidentify(ndjson(patients.slice(0, 2)));
    expect(again.lines.map((line) => JSON.parse(line).Id)).toEqual(patientTokens.slice(0, 2));
  });

  it('free text and identifiers inside text in fields of any name are removed; dates in any layout keep their year', async () => {
    const { lines } = await deidentify(
      ndjson([
        { text: 'Patient John Smith seen', visitNote: 'call 617-555-0100', code: 'E11.9' },
        { when: 'Oct 6, 2014', other: '10/6/14', compact: '20141006', mixed: 'seen on 6 October 2014' },
      ]),
    );
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { text: null, visitNote: null, code: 'E11.9' },
      { when: '2014', other: '2014', compact: '2014', mixed: null },
    ]);
  });

  it('a Bundle with a resource that cannot be de-identified is one error line: never a partly de-identified Bundle', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', id: 'pat-0001', name: [{ family: 'Qwertzuiop' }] } }, { resource: { resourceType: 'Starship', id: 'ncc-1701' } }],
    };
    const { lines, summary } = await deidentify(ndjson([{ n: 1 }, bundle, { n: 3 }]));
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[1])).toEqual({ error: { line: 2, code: 'unknown_resource_type', detail: expect.any(String) } });
    expect(lines.join('\n')).not.toContain('Qwertzuiop');
    expect(summary).toMatchObject({ lines: 3, records: 2, errors: 1 });
  });

  it('tokenized fields detokenize back: a policy tokenizing the Synthea SSNs', async () => {
    const stored = await vault
      .http()
      .put('/v1/policies/synthea-ssn')
      .set('Authorization', admin)
      .send({ rules: [{ path: '$.SSN', action: 'tokenize', type: 'ssn', mode: 'deterministic' }, { path: '$.FIRST', action: 'tokenize', type: 'name', onInvalid: 'text' }, { path: '$.LAST', action: 'redact' }] });
    expect(stored.status).toBe(201);
    const records = syntheaRecords('patients');
    const { lines, summary } = await deidentify(ndjson(records), 'synthea-ssn');
    const output = lines.map((line) => JSON.parse(line) as Record<string, string | null>);
    expect(summary).toMatchObject({ records: records.length, errors: 0, tokens: records.length * 2 });
    const tokens = output.flatMap((record) => [record.SSN as string, record.FIRST as string]);
    const revealed = await detokenize(tokens);
    expect(revealed.status).toBe(200);
    expect(revealed.body.items.map((item: { value: string }) => item.value)).toEqual(records.flatMap((record) => [record.SSN, record.FIRST]));
    for (const record of output) expect(record.LAST).toBeNull();
    // Synthea names carry digits ("Maynard46"), which the name type refuses: they fell back to text tokens.
    expect(output[0].FIRST).toMatch(/^tok_[0-9A-Za-z]{22}$/);
    // Deterministic mode: one SSN, one token, in a second call too.
    const again = await deidentify(ndjson(records.slice(0, 3)), 'synthea-ssn');
    expect(again.lines.map((line) => JSON.parse(line).SSN)).toEqual(output.slice(0, 3).map((record) => record.SSN));
  });

  it('keeps order, answers bad lines in place with their number and never their content', async () => {
    const secret = 'Qwertzuiop-999-12-3456';
    const body = [ndjson([{ n: 1, SSN: '999-12-3456' }]), `{"n": 2, "FIRST": "${secret}"\n`, `["${secret}"]\n`, ndjson([{ n: 4 }]), '\n', ndjson([{ resourceType: 'Starship', name: secret }]), ndjson([{ n: 7 }])].join('');
    const { response, lines, summary } = await deidentify(body);
    expect(response.status).toBe(200);
    expect(lines).toHaveLength(7);
    expect(response.text).not.toContain('Qwertzuiop');
    expect(JSON.parse(lines[0])).toEqual({ n: 1, SSN: null });
    expect(JSON.parse(lines[1])).toEqual({ error: { line: 2, code: 'malformed_json', detail: 'The line is not valid JSON.' } });
    expect(JSON.parse(lines[2]).error).toMatchObject({ line: 3, code: 'not_an_object' });
    expect(JSON.parse(lines[3])).toEqual({ n: 4 });
    expect(JSON.parse(lines[4]).error).toMatchObject({ line: 5, code: 'malformed_json' });
    expect(JSON.parse(lines[5]).error).toMatchObject({ line: 6, code: 'unknown_resource_type' });
    expect(JSON.parse(lines[6])).toEqual({ n: 7 });
    expect(summary).toMatchObject({ lines: 7, records: 3, errors: 4 });
    expect(vault.logs.join('')).not.toContain('Qwertzuiop');
  });

  it('streams bodies far beyond the 1 MiB JSON limit', async () => {
    const records = Array.from({ length: 50_000 }, (_, n) => ({ n, name: `Person ${n}`, dob: '1970-01-01', zip: '02139', phone: '617-555-0100' }));
    const body = ndjson(records);
    expect(body.length).toBeGreaterThan(3 * 1024 * 1024);
    const { response, lines, summary } = await deidentify(body);
    expect(response.status).toBe(200);
    expect(lines).toHaveLength(50_000);
    expect(JSON.parse(lines[49_999])).toEqual({ n: 49_999, name: null, dob: '1970', zip: '021', phone: null });
    expect(summary?.records).toBe(50_000);
  });

  it('audits the call: one deidentify event with the policy and the counts, tokenize events for the tokens, no values', async () => {
    const { summary } = await deidentify(ndjson([{ FIRST: 'Zebulon', MRN: 'MRN-424242' }, { oops: true }]).replace('{"oops":true}', '{oops'));
    const events = await withSql(vault.database.url, (query) =>
      query<{ action: string; details: Record<string, unknown>; outcome: string; tokens: string[]; actor_sub: string }>(
        `SELECT action, details, outcome, tokens, actor_sub FROM audit_events ORDER BY seq DESC LIMIT 2`,
      ),
    );
    const [deid, tokenize] = events;
    expect(deid).toMatchObject({ action: 'deidentify', outcome: 'partial', actor_sub: 'etl-job', tokens: [] });
    expect(deid.details).toMatchObject({ policy: 'safe-harbor', policyVersion: 2, lines: 2, records: 1, errors: 1, tokens: 1, aborted: false });
    expect(summary?.auditId).toBeDefined();
    expect(tokenize).toMatchObject({ action: 'tokenize', actor_sub: 'etl-job' });
    expect(tokenize.tokens).toHaveLength(1);
    const stored = JSON.stringify(events);
    expect(stored).not.toContain('Zebulon');
    expect(stored).not.toContain('MRN-424242');
  });

  it('a client that goes away mid-stream stops the work; the call is still audited, as aborted', async () => {
    const server = vault.app.getHttpServer() as http.Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const request = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/v1/deidentify?policy=safe-harbor', headers: { authorization: etl, 'content-type': 'application/x-ndjson' } });
      request.on('error', () => resolve());
      request.on('response', (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
        response.on('error', () => resolve());
      });
      request.on('close', () => resolve());
      request.write(ndjson(Array.from({ length: 5000 }, (_, n) => ({ n, MRN: `MRN-${100000 + n}` }))));
      setTimeout(() => reject(new Error('no response')), 10_000);
    });
    let event: { details: Record<string, unknown>; outcome: string } | undefined;
    for (let attempt = 0; attempt < 50 && event === undefined; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      [event] = await withSql(vault.database.url, (query) =>
        query<{ details: Record<string, unknown>; outcome: string }>(`SELECT details, outcome FROM audit_events WHERE action = 'deidentify' AND details->>'aborted' = 'true'`),
      );
    }
    expect(event).toMatchObject({ outcome: 'partial', details: { policy: 'safe-harbor', aborted: true } });
    // The vault is fine.
    expect((await deidentify(ndjson([{ n: 1 }]))).lines).toEqual(['{"n":1}']);
  });

  it('problems found before streaming are problem+json: scope, policy, media type', async () => {
    const unknown = await deidentify('{}\n', 'no-such-policy');
    expect(unknown.response.status).toBe(404);
    expect(unknown.response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const badName = await deidentify('{}\n', 'Bad%20Name');
    expect(badName.response.status).toBe(422);
    expect(badName.response.body.errors).toEqual([{ path: 'policy', message: expect.any(String) }]);
    const noScope = await deidentify('{}\n', 'safe-harbor', await vault.bearer('reader', ['service'], ['vault:detokenize']));
    expect(noScope.response.status).toBe(403);
    const anonymous = await vault.http().post('/v1/deidentify?policy=safe-harbor').set('Content-Type', 'application/x-ndjson').send('{}\n');
    expect(anonymous.status).toBe(401);
    const json = await vault.http().post('/v1/deidentify?policy=safe-harbor').set('Authorization', etl).send({ a: 1 });
    expect(json.status).toBe(415);
    const ndjsonElsewhere = await vault.http().post('/v1/tokenize').set('Authorization', etl).set('Content-Type', 'application/x-ndjson').send('{}\n');
    expect(ndjsonElsewhere.status).toBe(415);
  });
});
