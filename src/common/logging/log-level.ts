/** pino's levels, most to least verbose, plus `silent`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** LOG_LEVEL, validated with the rest of the environment: a typo stops the start rather than silencing logs. */
export function parseLogLevel(problems: string[], raw: string | undefined): LogLevel {
  if (raw === undefined) return DEFAULT_LOG_LEVEL;
  const level = LOG_LEVELS.find((candidate) => candidate === raw.toLowerCase());
  if (level === undefined) {
    problems.push(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}`);
    return DEFAULT_LOG_LEVEL;
  }
  return level;
}
