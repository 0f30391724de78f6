import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import { DEFAULT_LOG_LEVEL, type LogLevel } from './log-level.js';

export type AppLogger = Logger;
export const APP_LOGGER = Symbol('APP_LOGGER');

/**
 * Structured JSON logs. Invariant: a log line never holds a value, a request body, a key, a token, a request URL
 * or query string, or an Authorization header. Code logs identifiers and counts only; the redaction list is a
 * second line of defence for objects that might carry those fields by mistake. The level is LOG_LEVEL from the
 * validated configuration (createVaultApp applies it); until then, `info`.
 */
export function createLogger(options: { level?: LogLevel; destination?: NodeJS.WritableStream } = {}): AppLogger {
  return pino(
    {
      level: options.level ?? DEFAULT_LOG_LEVEL,
      base: { service: 'phi-vault' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'headers.cookie',
          'authorization',
          'req.url',
          'query',
          'req.query',
          'jwt',
          'body',
          'req.body',
          'value',
          'values',
          'plaintext',
          'items[*].value',
          'masterKey',
          'key',
          'password',
        ],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}

/** Lets Nest's own messages (module wiring, route mapping) go through the same JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }

  error(message: unknown, _trace?: string, context?: string): void {
    // Nest passes error messages and stack traces here; they may quote request data, so only the context is kept.
    this.logger.error({ context }, 'framework error');
    void message;
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }

  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
