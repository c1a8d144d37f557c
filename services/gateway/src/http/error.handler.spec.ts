import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installErrorHandler } from './error.handler.js';

async function appThrowing(err: Error) {
  const app = Fastify({ logger: false });
  installErrorHandler(app);
  app.get('/x', async () => {
    throw err;
  });
  await app.ready();
  return app;
}

describe('error handler', () => {
  it('answers 503 with Retry-After when the database cannot be reached, and 500 for other failures', async () => {
    const down = await appThrowing(new Error('Connection terminated due to connection timeout'));
    const r = await down.inject({ method: 'GET', url: '/x' });
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('2');
    expect(r.json()).toEqual({ error: 'CTI_ERR_UNAVAILABLE', message: 'database unavailable; retry shortly', details: { component: 'postgres' } });
    const bug = await appThrowing(new TypeError('cannot read properties of undefined'));
    const b = await bug.inject({ method: 'GET', url: '/x' });
    expect(b.statusCode).toBe(500);
    expect(b.json().message).toBe('internal error');
    await down.close();
    await bug.close();
  });
});
