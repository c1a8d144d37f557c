import type { RouteRegistry } from './route.registry.js';

/** What /healthz reports; each probe answers quickly and never throws. */
export interface HealthProbes {
  ari(): boolean;
  ami(): boolean;
  redis(): Promise<boolean>;
  postgres(): Promise<boolean>;
  trunks(): Record<string, { status: string; rttMs: number | null; since: number }>;
  spooledRecords(): boolean;
  /** Whether callers are routed to seats (false while a restarted gateway reconciles with Asterisk); on when absent. */
  routing?(): boolean;
  /**
   * This active gateway's lease (docs/domain.md §20): its epoch, and whether a standby was watching at the last renewal;
   * absent: no `role`, `epoch`, `standbyWatching` in the answer.
   */
  leadership?(): { epoch: number; standbyWatching: boolean };
}

/** `GET /healthz`: 200 when calls can be taken and recorded, 503 otherwise; always with every component's state. */
export function registerHealthRoutes(routes: RouteRegistry, probes: HealthProbes): void {
  routes.add({
    method: 'GET',
    url: '/healthz',
    summary: 'Health of ARI, AMI, Redis, PostgreSQL and each trunk, and this gateway’s role (no authentication)',
    roles: null,
    handler: async ({ reply }) => {
      const [redis, postgres] = await Promise.all([probes.redis(), probes.postgres()]);
      const body = {
        status: 'ok' as 'ok' | 'degraded',
        ari: probes.ari() ? 'up' : 'down',
        ami: probes.ami() ? 'up' : 'down',
        redis: redis ? 'up' : 'down',
        postgres: postgres ? 'up' : 'down',
        trunks: probes.trunks(),
        spooledRecords: probes.spooledRecords(),
        routing: (probes.routing?.() ?? true) ? 'on' : 'held',
        ...(probes.leadership && { role: 'active' as const, ...probes.leadership() }),
      };
      if (body.ari !== 'up' || !redis || !postgres) {
        body.status = 'degraded';
        reply.status(503);
      }
      return body;
    },
  });
}
