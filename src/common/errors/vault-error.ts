import { ErrorCode } from './error-code.js';

export interface FieldError {
  /** Where in the request, e.g. `items[3].value`. */
  readonly path: string;
  /** What rule it breaks. Never the submitted value. */
  readonly message: string;
}

export interface VaultErrorOptions {
  readonly errors?: readonly FieldError[];
  /** Extra response headers, e.g. Retry-After. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/**
 * A domain error with a stable code. `detail` is written for the caller and must never contain a submitted
 * value, a plaintext or key material; the cause (kept for logs of the error class only) is never serialized.
 */
export class VaultError extends Error {
  readonly errors: readonly FieldError[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    options: VaultErrorOptions = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VaultError';
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }

  static validation(errors: readonly FieldError[], detail = 'The request does not satisfy the API contract; see `errors`.'): VaultError {
    return new VaultError(ErrorCode.ValidationFailed, detail, { errors });
  }
}
