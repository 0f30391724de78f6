import type { RevealPolicy } from '../policy/reveal-policy.js';
import type { LimitsConfig } from '../ratelimit/limits-config.js';
import type { Secret } from './secret.js';
import type { TlsConfig } from '../tls/tls-config.js';
import type { LogLevel } from '../common/logging/log-level.js';

/** Everything the vault reads from its environment, parsed and validated once at start-up. */
export interface VaultConfig {
  readonly devMode: boolean;
  readonly http: {
    readonly port: number;
    readonly host: string;
    /** Request bodies above this answer 413. */
    readonly bodyLimitBytes: number;
  };
  /** LOG_LEVEL: the pino level of the vault's JSON logs. */
  readonly logLevel: LogLevel;
  /** null only in dev mode: the embedded PostgreSQL under `.vault/pgdata`. */
  readonly databaseUrl: string | null;
  readonly databasePoolSize: number;
  /**
   * Bounds on waiting for PostgreSQL, so a hung database fails requests instead of holding them: `connectMs` to
   * get a pool connection; `idleInTransactionMs` (0: off) before the server ends a vault session idle inside a
   * transaction, releasing its locks (the audit chain lock among them) should that process freeze.
   */
  /**
   * Bounds on every wait for PostgreSQL (fail closed, never hang): a pool connection, a session idle inside a
   * transaction, any one statement, any one lock wait. A statement that hits one fails, and the call answers 503.
   */
  readonly databaseTimeouts: {
    readonly connectMs: number;
    readonly idleInTransactionMs: number;
    readonly statementMs: number;
    readonly lockMs: number;
  };
  /**
   * Group commit of audit appends: a batch closes after `batchWindowMs` or at `batchMax` requests, whichever first.
   * `appendTimeoutMs`: the longest a caller waits for its event to commit (and a batch for the chain lock) before 503.
   */
  readonly audit: { readonly batchWindowMs: number; readonly batchMax: number; readonly appendTimeoutMs: number };
  /** How long an idle queue of small tokenize calls waits for company before they share one transaction. */
  readonly tokenizeBatchWindowMs: number;
  /** null only in dev mode: an in-process cache. */
  readonly redisUrl: string | null;
  readonly redisKeyPrefix: string;
  /** How long a token's encrypted record stays cached (Redis, or in-process without it); 0 turns the cache off. */
  readonly tokenCacheTtlSeconds: number;
  /** The key-encryption key; wraps every data key. */
  readonly masterKey: Secret;
  /** During a master-key change only: the previous KEK; keys still wrapped under it are re-wrapped at start. */
  readonly masterKeyPrevious: Secret | null;
  /** HTTPS (and mutual TLS with a client CA); null: plain HTTP. */
  readonly tls: TlsConfig | null;
  readonly auth: AuthConfig;
  readonly policyFile: string | null;
  /** The reveal policy in force: VAULT_POLICY_FILE's, validated at start-up, or the default (CONTRACT section 5). */
  readonly revealPolicy: RevealPolicy;
  /** Detokenize rate limits and break-glass bounds. */
  readonly limits: LimitsConfig;
  /** Seconds between passes of the expired-token purge on each instance; 0: this instance never purges. */
  readonly purge: { readonly intervalSeconds: number };
  /** Where dev mode keeps its generated keys and embedded database. */
  readonly stateDir: string;
}

export interface AuthConfig {
  readonly issuer: string;
  readonly audience: string;
  /** A PEM public key; or a JWKS endpoint, cached `cacheMaxAgeSeconds` and refetched for an unknown `kid` at most once per `cooldownSeconds`. */
  readonly keySource:
    | { readonly kind: 'pem'; readonly file: string }
    | { readonly kind: 'jwks'; readonly url: string; readonly cacheMaxAgeSeconds: number; readonly cooldownSeconds: number };
  readonly rolesClaim: string;
  readonly scopesClaim: string;
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
}

export const VAULT_CONFIG = Symbol('VAULT_CONFIG');
