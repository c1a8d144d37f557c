import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandler } from '../http/error.handler.js';
import type { MetricsCollector } from './metrics.collector.js';
import { registerMetricsRoutes } from './metrics.routes.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(token: string): Promise<FastifyInstance> {
  app = Fastify();
  installErrorHandler(app);
  registerMetricsRoutes(app, { collect: async () => [] } as unknown as MetricsCollector, token);
  await app.ready();
  return app;
}

describe('GET /metrics with a token', () => {
  it('answers 401, not 500, to a token of the same length in characters but not in bytes', async () => {
    const a = await start('scrape-token-01');
    // A header is read as latin-1: é is one character of two UTF-8 bytes.
    for (const given of ['scrape-token-0é', 'é', 'scrape-token-01é', '令牌令牌令牌令牌令牌令牌令牌令']) {
      const res = await a.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${given}` } });
      expect(res.statusCode, given).toBe(401);
    }
  });

  it('answers 200 to the right token and 401 to none or a wrong one', async () => {
    const a = await start('scrape-token-01');
    expect((await a.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-01' } })).statusCode).toBe(200);
    expect((await a.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-02' } })).statusCode).toBe(401);
    expect((await a.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });
});
