/** Who is calling, as established from a verified JWT. */
export interface Principal {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly scopes: ReadonlySet<string>;
  readonly clientId: string | null;
  /** Subject of the client certificate verified by mutual TLS (TLS_CLIENT_CA_FILE); null or absent without one. */
  readonly clientCertSubject?: string | null;
}

/**
 * The principal as this connection presents it. Built field by field, not as `{ ...principal, clientCertSubject }`:
 * on Node 20's V8 that literal makes a new hidden class on every call, and this runs on every request.
 */
export function withClientCertificate(principal: Principal, clientCertSubject: string | null): Principal {
  return { sub: principal.sub, roles: principal.roles, scopes: principal.scopes, clientId: principal.clientId, clientCertSubject };
}

export const SCOPES = {
  tokenize: 'vault:tokenize',
  detokenize: 'vault:detokenize',
  breakGlass: 'vault:break_glass',
  auditRead: 'audit:read',
  auditReview: 'audit:review',
  admin: 'vault:admin',
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];
