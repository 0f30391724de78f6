import { withSql } from './db-inspect.js';

export interface AuditRow {
  readonly id: string;
  readonly actor_sub: string;
  readonly action: string;
  readonly purpose: string | null;
  readonly justification: string | null;
  readonly break_glass: boolean;
  readonly tokens: string[];
  readonly outcome: string;
  readonly details: Record<string, unknown>;
}

/** One subject's detokenize events, oldest first, straight from the table (the audit API is another issue's). */
export function auditRowsOf(databaseUrl: string, sub: string): Promise<AuditRow[]> {
  return withSql(databaseUrl, (query) =>
    query<AuditRow>(
      `SELECT id::text, actor_sub, action, purpose, justification, break_glass, tokens, outcome, details FROM audit_events WHERE actor_sub = $1 AND action = 'detokenize' ORDER BY seq`,
      [sub],
    ),
  );
}

/** Every audit column as text, for scans proving no value was written. */
export function auditTableText(databaseUrl: string): Promise<string> {
  return withSql(databaseUrl, async (query) => JSON.stringify(await query(`SELECT * FROM audit_events`)));
}
