/** Who is calling, as established from a verified JWT. */
export interface Principal {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly scopes: ReadonlySet<string>;
  readonly clientId: string | null;
  /** Subject of the client certificate verified by mutual TLS (TLS_CLIENT_CA_FILE); null or absent without one. */
  readonly clientCertSubject?: string | null;
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
