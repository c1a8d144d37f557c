import { OVERSIGHT_ROLES, type AcdEngine } from '@cti/domain';
import type { RouteRegistry } from '../http/route.registry.js';

/** Supervisor view of the queue. */
export function registerAcdRoutes(routes: RouteRegistry, acd: AcdEngine): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/queue',
    summary: 'Waiting calls in routing order with wait, language and position',
    roles: OVERSIGHT_ROLES,
    handler: async () => ({ items: acd.queue() }),
  });
}
