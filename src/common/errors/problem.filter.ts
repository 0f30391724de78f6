import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ErrorCode, describeErrorCode, problemType } from './error-code.js';
import { VaultError } from './vault-error.js';
import { APP_LOGGER, type AppLogger } from '../logging/logger.js';

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: readonly { path: string; message: string }[];
}

/**
 * Turns every error into RFC 9457 problem+json. Only VaultError details reach the caller; anything else
 * becomes a generic message, because messages of library errors (PostgreSQL's among them) can quote the
 * data they failed on. Logs carry the error's class and code, never its message.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@Inject(APP_LOGGER) private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = toVaultError(exception);
    const { status, title } = describeErrorCode(error.code);
    if (status >= 500) {
      this.logger.error({ err: describeCause(exception), code: error.code }, 'request failed');
    }
    const body: ProblemBody = { type: problemType(error.code), title, status, detail: error.detail, code: error.code };
    if (error.errors !== undefined) body.errors = error.errors;
    void reply.status(status).headers(error.headers).type('application/problem+json').send(body);
  }
}

/** Maps framework and parser errors (which may quote input) to codes with our own wording. */
export function toVaultError(exception: unknown): VaultError {
  if (exception instanceof VaultError) return exception;
  const status = statusOf(exception);
  const fastifyCode = (exception as { code?: unknown } | null)?.code;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    return new VaultError(ErrorCode.PayloadTooLarge, 'The request body is larger than the 1 MiB limit.');
  }
  if (fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return new VaultError(ErrorCode.UnsupportedMediaType, 'Send the body as application/json.');
  }
  if (fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY' || exception instanceof SyntaxError || status === 400) {
    return new VaultError(ErrorCode.MalformedJson, 'The request body is not well-formed JSON.');
  }
  if (status === 404) return new VaultError(ErrorCode.NotFound, 'No such resource.');
  if (status === 405) return new VaultError(ErrorCode.MethodNotAllowed, 'The method is not allowed on this resource.');
  if (status === 401) return new VaultError(ErrorCode.Unauthenticated, 'A valid bearer token is required.');
  if (status === 403) return new VaultError(ErrorCode.Forbidden, 'The caller is not allowed to do this.');
  return new VaultError(ErrorCode.Internal, 'The vault could not complete the request.', { cause: exception });
}

function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/** What may be logged about an unexpected error: its class and codes, never its message or data. */
export function describeCause(exception: unknown): Record<string, unknown> {
  if (!(exception instanceof Error)) return { type: typeof exception };
  const cause = exception instanceof VaultError ? exception.cause : exception;
  const described: Record<string, unknown> = { name: exception.name };
  if (cause instanceof Error && cause !== exception) described.cause = cause.name;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') described.dbCode = code;
  return described;
}
