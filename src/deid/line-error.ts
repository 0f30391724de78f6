/**
 * Why one NDJSON line could not be de-identified. It becomes the output line
 * `{"error":{"line":N,"code":...,"detail":...}}`; the detail names the rule or the problem, never the line's
 * content or a value from it.
 */
export type LineErrorCode =
  | 'malformed_json'
  | 'not_an_object'
  | 'unknown_resource_type'
  | 'too_deep'
  | 'line_too_long'
  | 'value_rejected'
  | 'no_patient_key'
  | 'token_space_exhausted'
  | 'audit_unavailable'
  | 'internal_error';

export class LineError extends Error {
  constructor(
    readonly code: LineErrorCode,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'LineError';
  }
}

export function errorLine(line: number, code: LineErrorCode, detail: string): string {
  return JSON.stringify({ error: { line, code, detail } });
}
