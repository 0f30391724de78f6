import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, describeErrorCode, problemType } from './error-code.js';
import { VaultError } from './vault-error.js';
import { isDatabaseUnavailable } from '../../prisma/database-unavailable.js';
import { APP_LOGGER, type AppLogger } from '../logging/logger.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: readonly { path: string; message: string }[];
  /** RFC 9457 extension member: the request's id, as in the X-Request-Id header and the access log line. */
  requestId?: string;
}

/**
 * Turns every error into RFC 9457 problem+json. Only VaultError details reach the caller; anything else
 * becomes a generic message, because messages of library errors (PostgreSQL's and Prisma's among them) can
 * quote the data they failed on. Logs carry the error's class and code, never its message or stack.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@Inject(APP_LOGGER) private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const requestId = http.getRequest<FastifyRequest | undefined>()?.id;
    const error = toVaultError(exception);
    if (describeErrorCode(error.code).status >= 500) {
      this.logger.error({ requestId, err: describeCause(exception), code: error.code }, 'request failed');
    }
    sendProblem(reply, error);
  }
}

/** The problem+json body of an error; `requestId` is the id Fastify gave the request. */
export function problemOf(error: VaultError, requestId: string | undefined): ProblemBody {
  const { status, title } = describeErrorCode(error.code);
  const body: ProblemBody = { type: problemType(error.code), title, status, detail: error.detail, code: error.code };
  if (error.errors !== undefined) body.errors = error.errors;
  if (requestId !== undefined) body.requestId = requestId;
  return body;
}

/** Answers with the error as problem+json; also used by hooks that refuse a request before Nest sees it. */
export function sendProblem(reply: FastifyReply, error: VaultError): FastifyReply {
  const body = problemOf(error, reply.request?.id);
  return reply.status(body.status).headers(error.headers).type(PROBLEM_MEDIA_TYPE).send(body);
}

/**
 * Fastify's `frameworkErrors`: errors its router raises before any hook runs. Its own answers quote the whole
 * path (which can hold a token, or a value pasted by mistake), so they are answered here, in our wording.
 */
export function answerFrameworkError(error: Error & { code?: string }, _request: FastifyRequest, reply: FastifyReply): void {
  const refusal =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new VaultError(ErrorCode.UriTooLong, 'A path segment is longer than the 1024 characters the vault accepts.')
      : error.code === 'FST_ERR_BAD_URL'
        ? new VaultError(ErrorCode.MalformedUrl, 'The URL is not well-formed (bad percent-encoding).')
        : toVaultError(error);
  void sendProblem(reply, refusal);
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
  if (isDatabaseUnavailable(exception)) {
    return new VaultError(ErrorCode.ServiceUnavailable, 'The database did not answer in time, so nothing was revealed or stored; retry shortly.', {
      headers: { 'Retry-After': '1' },
      cause: exception,
    });
  }
  return new VaultError(ErrorCode.Internal, 'The vault could not complete the request.', { cause: exception });
}

function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/** A class name or error code as it may be logged: an identifier, never free text that could quote data. */
const IDENTIFIER = /^[A-Za-z0-9_.:-]{1,64}$/;

function identifierOrNull(candidate: unknown): string | null {
  return typeof candidate === 'string' && IDENTIFIER.test(candidate) ? candidate : null;
}

/**
 * What may be logged about an unexpected error: class names and codes (`P2002`, `23505`), never a message,
 * a stack, Prisma's `meta` or a driver's `detail`, all of which can quote the query's parameters.
 */
export function describeCause(exception: unknown): Record<string, unknown> {
  if (!(exception instanceof Error)) return { type: typeof exception };
  const cause = exception instanceof VaultError ? exception.cause : exception;
  const described: Record<string, unknown> = { name: identifierOrNull(exception.name) ?? 'Error' };
  if (cause instanceof Error && cause !== exception) described.cause = identifierOrNull(cause.name) ?? 'Error';
  const code = identifierOrNull((cause as { code?: unknown } | undefined)?.code);
  if (code !== null) described.dbCode = code;
  return described;
}
