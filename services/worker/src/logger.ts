import pino, { type Logger } from 'pino';

/** The worker's JSON logger; credentials are redacted. */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, redact: { paths: ['password', '*.password', 'token', '*.token'], censor: '[redacted]' } });
}

export type { Logger };
