import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The storage baseline: batched multi-row inserts of 1,000 rows with the `pg` driver into a table shaped like
 * `tokens` (same columns and indexes), from as many connections as the vault's batch scenario uses. Rows
 * carry random keys, a 32-byte fingerprint and a ciphertext the size of an encrypted SSN.
 */
export async function rawBatchedInserts(databaseUrl: string, seconds: number, connections: number): Promise<number> {
  const setup = new pg.Client({ connectionString: databaseUrl });
  await setup.connect();
  await setup.query('DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw (LIKE tokens INCLUDING ALL)');
  await setup.end();

  const deadline = Date.now() + seconds * 1000;
  let inserted = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      while (Date.now() < deadline) {
        const keys: string[] = [];
        const fingerprints: Buffer[] = [];
        const ciphertexts: Buffer[] = [];
        for (let i = 0; i < 1000; i += 1) {
          keys.push(randomBytes(6).readUIntBE(0, 6).toString().padStart(9, '0').slice(0, 9) + randomBytes(3).toString('hex'));
          fingerprints.push(randomBytes(32));
          ciphertexts.push(randomBytes(5 + 12 + 9 + 16));
        }
        await client.query(
          `INSERT INTO bench_raw (token_key, type, token, fingerprint, ciphertext, key_version)
           SELECT k, 'ssn', k, f, c, 1 FROM unnest($1::text[], $2::bytea[], $3::bytea[]) AS t(k, f, c)`,
          [keys, fingerprints, ciphertexts],
        );
        inserted += 1000;
      }
      await client.end();
    }),
  );
  return inserted / seconds;
}
