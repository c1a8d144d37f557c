import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serveStandbyHttp } from './standby.http.js';

describe('serveStandbyHttp', () => {
  it('answers /healthz 503 with role standby and the leader it sees, every other path 503 unavailable, and frees the port when closed', async () => {
    const standby = await serveStandbyHttp('127.0.0.1', 0, () => ({ status: 'standby', role: 'standby', leader: { epoch: 4, instanceId: 'gw-a' } }));
    const base = `http://127.0.0.1:${standby.port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'standby', role: 'standby', leader: { epoch: 4, instanceId: 'gw-a' } });
    const api = await fetch(`${base}/api/v1/queue`, { method: 'POST' });
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toBe('1');
    expect(await api.json()).toEqual({ error: 'CTI_ERR_UNAVAILABLE', message: 'this gateway is a standby; the active gateway serves the API', details: { role: 'standby' } });
    await standby.close();
    const again = await serveStandbyHttp('127.0.0.1', standby.port, () => ({ status: 'starting', role: 'active', epoch: 5 }));
    await again.close();
  });

  it('answers a WebSocket upgrade with 503 unavailable instead of resetting the connection', async () => {
    const standby = await serveStandbyHttp('127.0.0.1', 0, () => ({ status: 'standby', role: 'standby' }));
    try {
      const answer = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: standby.port, path: '/api/v1/agents/a1/events', headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        req.on('upgrade', () => reject(new Error('upgraded')));
        req.on('error', reject);
        req.end();
      });
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'CTI_ERR_UNAVAILABLE', details: { role: 'standby' } });
    } finally {
      await standby.close();
    }
  });
});
