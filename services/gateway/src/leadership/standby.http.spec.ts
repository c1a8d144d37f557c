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
});
