import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CtiError } from '@cti/domain';
import type { MetricsCollector } from './metrics.collector.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus.text.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
/** Constant-time equality of two tokens of any length or alphabet (timingSafeEqual needs equal byte lengths). */
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** `GET /metrics` in the Prometheus text format; with a token configured, Prometheus must send it as a bearer token. */
export function registerMetricsRoutes(app: FastifyInstance, collector: MetricsCollector, token: string): void {
  app.get('/metrics', async (req, reply) => {
    if (token) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!m?.[1] || !same(m[1], token)) throw new CtiError('CTI_ERR_UNAUTHORIZED', 'missing or wrong metrics bearer token');
    }
    const text = renderPrometheus(await collector.collect());
    return reply.header('content-type', PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store').send(text);
  });
}
