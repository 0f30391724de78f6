import { connectPg } from '../../src/prisma/postgres-target.js';

/** Direct SQL against a test database, for assertions the API cannot make (row counts, raw bytes). */
export async function withSql<T>(databaseUrl: string, run: (query: <Row>(sql: string, params?: unknown[]) => Promise<Row[]>) => Promise<T>): Promise<T> {
  const connection = await connectPg(databaseUrl);
  try {
    return await run((sql, params) => connection.query(sql, params));
  } finally {
    await connection.end();
  }
}

export async function countRows(databaseUrl: string, table: 'tokens' | 'audit_events'): Promise<number> {
  return withSql(databaseUrl, async (query) => Number((await query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n));
}
