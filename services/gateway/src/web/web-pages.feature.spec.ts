import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { webPagesFeature } from './web-pages.feature.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const health = { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false };

async function appWith(dir: string) {
  app = await buildApp({ logger: createLogger('test', 'silent'), tokens: { findPrincipal: async () => undefined }, health, features: [webPagesFeature({ dir, connectOrigins: ['wss://127.0.0.1:8189'] })] });
  return app;
}

function builtPages(): string {
  const dir = mkdtempSync(join(tmpdir(), 'web-pages-'));
  for (const page of ['desk', 'console']) {
    mkdirSync(join(dir, page, 'assets'), { recursive: true });
    writeFileSync(join(dir, page, 'index.html'), `<!doctype html><title>${page}</title><script type="module" src="/${page}/assets/main-abc123.js"></script>`);
    writeFileSync(join(dir, page, 'assets', 'main-abc123.js'), `console.log(${JSON.stringify('x'.repeat(4000))});`);
  }
  writeFileSync(join(dir, '..', 'outside.txt'), 'not served');
  return dir;
}

describe('web pages', () => {
  it('serves hashed assets immutable and gzipped, and index.html revalidated with a CSP that admits the SIP WebSocket', async () => {
    const a = await appWith(builtPages());
    const js = await a.inject({ url: '/desk/assets/main-abc123.js', headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-encoding']).toBe('gzip');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(gunzipSync(js.rawPayload).toString()).toContain('console.log');
    const html = await a.inject({ url: '/console/' });
    expect(html.statusCode).toBe(200);
    expect(html.headers['cache-control']).toBe('no-cache');
    expect(html.body).toContain('<title>console</title>');
    expect(html.headers['content-security-policy']).toContain("connect-src 'self' wss://127.0.0.1:8189");
    expect(html.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('answers a client route with index.html but a missing asset with 404, and never leaves the page directory', async () => {
    const a = await appWith(builtPages());
    const route = await a.inject({ url: '/desk/tickets/42' });
    expect(route.statusCode).toBe(200);
    expect(route.body).toContain('<title>desk</title>');
    expect((await a.inject({ url: '/desk/assets/main-old999.js' })).statusCode).toBe(404);
    for (const url of ['/desk/../outside.txt', '/desk/%2e%2e/outside.txt', '/desk/..%2Foutside.txt', '/desk/assets/../../outside.txt']) {
      const res = await a.inject({ url });
      expect(res.body, url).not.toContain('not served');
    }
    const bare = await a.inject({ url: '/desk' });
    expect(bare.statusCode).toBe(302);
    expect(bare.headers.location).toBe('/desk/');
  });

  it('answers 503 naming the build command until the pages are built, and declares every route public in OpenAPI', async () => {
    const a = await appWith(join(tmpdir(), 'no-such-web-dist'));
    const res = await a.inject({ url: '/desk/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    const doc = (await a.inject({ url: '/api/v1/openapi.json' })).json() as { paths: Record<string, { get?: { 'x-access'?: { kind: string } } }> };
    for (const path of ['/desk', '/desk/*', '/console', '/console/*']) expect(doc.paths[path]?.get?.['x-access']).toEqual({ kind: 'public' });
  });
});
