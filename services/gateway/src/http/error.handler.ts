import type { FastifyError, FastifyInstance } from 'fastify';
import { CtiError, type CtiErrorCode } from '@cti/domain';
import { isDatabaseUnavailable } from '@cti/db';

const STATUS: Record<CtiErrorCode, number> = {
  CTI_ERR_VALIDATION: 400,
  CTI_ERR_UNAUTHORIZED: 401,
  CTI_ERR_FORBIDDEN: 403,
  CTI_ERR_NOT_FOUND: 404,
  CTI_ERR_NO_SUCH_CALL: 404,
  CTI_ERR_NO_SUCH_AGENT: 404,
  CTI_ERR_CONFLICT: 409,
  CTI_ERR_INVALID_STATE: 409,
  CTI_ERR_INVALID_TRANSITION: 409,
  CTI_ERR_UNAVAILABLE: 503,
  CTI_ERR_RATE_LIMITED: 429,
  CTI_ERR_AUTH_FAILED: 401,
  CTI_ERR_AUTH_LOCKED: 401,
  CTI_ERR_AUTH_DISABLED: 401,
  CTI_ERR_AUTH_SESSION_EXPIRED: 401,
  CTI_ERR_AUTH_SESSION_ENDED: 401,
  CTI_ERR_AUTH_CSRF: 403,
};

/** The one place that maps coded errors to HTTP statuses; 5xx details are logged, never returned. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | CtiError, req, reply) => {
    if (err instanceof CtiError) {
      const status = STATUS[err.code] ?? 500;
      req.log.info({ code: err.code, status, url: req.url }, err.message);
      const retryAfter = err.details.retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return reply.status(status).send({ error: err.code, message: err.message, details: err.details });
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      // Fastify's own 4xx: malformed JSON, body too large, wrong content type.
      req.log.info({ status, url: req.url, code: (err as FastifyError).code }, err.message);
      return reply.status(status).send({ error: 'CTI_ERR_VALIDATION', message: err.message, details: {} });
    }
    if (isDatabaseUnavailable(err)) {
      // The database is away or not taking connections now (restart, overload): a 503 the client may retry, not a 500.
      req.log.warn({ err: err.message, method: req.method, url: req.url }, 'database unavailable; answered 503');
      return reply
        .status(503)
        .header('retry-after', '2')
        .send({ error: 'CTI_ERR_UNAVAILABLE', message: 'database unavailable; retry shortly', details: { component: 'postgres' } });
    }
    req.log.error({ err, url: req.url }, 'unhandled error');
    return reply.status(500).send({ error: 'CTI_ERR_INTERNAL', message: 'internal error', details: {} });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'CTI_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}`, details: {} }));
}
