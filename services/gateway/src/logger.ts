import pino, { type Logger } from 'pino';

/** The JSON logger of a service. Credentials are redacted wherever they appear in a logged object. */
export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['password', '*.password', 'secret', '*.secret', 'token', '*.token', 'authorization', '*.authorization', 'req.headers.authorization', 'wsUrl'],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
