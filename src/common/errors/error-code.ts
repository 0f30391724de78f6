/** Stable, machine-readable error codes. Clients branch on these; never rename one. */
export enum ErrorCode {
  MalformedJson = 'malformed_json',
  ValidationFailed = 'validation_failed',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  MalformedUrl = 'malformed_url',
  UriTooLong = 'uri_too_long',
  Conflict = 'conflict',
  TokenSpaceExhausted = 'token_space_exhausted',
  RateLimited = 'rate_limited',
  AuditUnavailable = 'audit_unavailable',
  ServiceUnavailable = 'service_unavailable',
  Internal = 'internal_error',
}

export interface ErrorCodeInfo {
  readonly status: number;
  readonly title: string;
}

/** The one place codes meet HTTP. The exhaustive switch makes a new code impossible to forget. */
export function describeErrorCode(code: ErrorCode): ErrorCodeInfo {
  switch (code) {
    case ErrorCode.MalformedJson:
      return { status: 400, title: 'Malformed request body' };
    case ErrorCode.ValidationFailed:
      return { status: 422, title: 'Invalid request' };
    case ErrorCode.PayloadTooLarge:
      return { status: 413, title: 'Request body too large' };
    case ErrorCode.UnsupportedMediaType:
      return { status: 415, title: 'Unsupported media type' };
    case ErrorCode.Unauthenticated:
      return { status: 401, title: 'Authentication required' };
    case ErrorCode.Forbidden:
      return { status: 403, title: 'Not allowed' };
    case ErrorCode.NotFound:
      return { status: 404, title: 'Not found' };
    case ErrorCode.MethodNotAllowed:
      return { status: 405, title: 'Method not allowed' };
    case ErrorCode.MalformedUrl:
      return { status: 400, title: 'Malformed URL' };
    case ErrorCode.UriTooLong:
      return { status: 414, title: 'URI too long' };
    case ErrorCode.Conflict:
      return { status: 409, title: 'Conflict' };
    case ErrorCode.TokenSpaceExhausted:
      return { status: 409, title: 'Token space exhausted' };
    case ErrorCode.RateLimited:
      return { status: 429, title: 'Too many requests' };
    case ErrorCode.AuditUnavailable:
      return { status: 503, title: 'Audit log unavailable' };
    case ErrorCode.ServiceUnavailable:
      return { status: 503, title: 'Service unavailable' };
    case ErrorCode.Internal:
      return { status: 500, title: 'Internal error' };
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}

export function problemType(code: ErrorCode): string {
  return `urn:phi-vault:problem:${code}`;
}
