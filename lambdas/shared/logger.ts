/**
 * Powertools Logger factory. Log level from POWERTOOLS_LOG_LEVEL (default INFO; tests and the local
 * pipeline pass a silent logger instead).
 *
 * Rule for every caller: never log write keys, request bodies, e-mails, phone numbers or IPs. Log
 * counts, reasons, source ids and messageIds only.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export type AppLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logLevel: (process.env.POWERTOOLS_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });
}

/** A logger that drops everything (tests, local server where the CLI owns the terminal). */
export const silentLogger: AppLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
