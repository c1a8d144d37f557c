import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OVERSIGHT_ROLES, type Role, type kpi } from '@cti/domain';
import type { RouteRegistry } from '../http/route.registry.js';

// The big screen's trends (docs/domain.md §17): the data its charts draw, behind the same ticket as the live feed, and
// the charting library itself (Apache ECharts, from the gateway's own node_modules: the screen reaches no other host).

/** What the trend charts draw (the KPI feature's trends fit). */
export type WallboardTrends = kpi.TrendFigures;

/** Where the wallboard reads its trends (the KPI feature's figures fit). */
export interface WallboardTrendsSource {
  /** `fresh`: worked out now; otherwise the screens share figures up to 20 s old. */
  trends(opts?: { fresh?: boolean }): Promise<WallboardTrends>;
}

/** The URL the page loads ECharts from. */
export const ECHARTS_URL = '/wallboard/echarts.min.js';

/** The minified ECharts build, read once on first request (a gateway without the package answers 404 for it). */
let echarts: Buffer | null | undefined;
function echartsBundle(): Buffer | null {
  if (echarts === undefined) {
    try {
      echarts = readFileSync(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'));
    } catch {
      echarts = null;
    }
  }
  return echarts;
}

/**
 * `GET /api/v1/wallboard/trends` (staff API, the snapshot's roles), `GET /wallboard/trends?ticket=…` (the page's own
 * read, admitted like its event stream: a valid ticket or a signed-in session of the wallboard's roles) and
 * `GET /wallboard/echarts.min.js` (the open-source library, public like any static asset).
 */
export function registerWallboardTrendRoutes(
  routes: RouteRegistry,
  app: FastifyInstance,
  source: WallboardTrendsSource,
  admitted: (req: FastifyRequest) => Promise<boolean>,
  sessionRoles?: readonly Role[],
): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/wallboard/trends',
    summary: "The wallboard's trend charts: today's calls per half-hour against yesterday and the forecast, this month's daily answer rate against the target, today's tickets by category, overdue tickets by department, this month's tickets by county",
    roles: OVERSIGHT_ROLES,
    // Someone asking through the API gets the figures of now; the screens' polls share a computation.
    handler: async () => source.trends({ fresh: true }),
  });

  routes.declareRaw({ method: 'GET', url: '/wallboard/trends', summary: "The wallboard page's trend data (needs ?ticket=, or a signed-in session of the session roles)", access: { kind: 'wallboard-ticket', ...(sessionRoles && { sessionRoles }) } });
  app.get('/wallboard/trends', async (req, reply) => {
    if (!(await admitted(req))) {
      req.log.info({ url: '/wallboard/trends' }, 'wallboard trends refused: invalid or expired ticket');
      return reply.status(401).send({ error: { code: 'CTI_ERR_UNAUTHORIZED', message: 'invalid or expired wallboard ticket (or no signed-in session allowed to see the wallboard)' } });
    }
    return reply.header('cache-control', 'no-store').send(await source.trends());
  });

  routes.declareRaw({ method: 'GET', url: ECHARTS_URL, summary: 'Apache ECharts (minified), the charting library of the wallboard page, served from the gateway', access: { kind: 'public' } });
  app.get(ECHARTS_URL, async (_req, reply) => {
    const js = echartsBundle();
    if (!js) return reply.status(404).send({ error: { code: 'CTI_ERR_NOT_FOUND', message: 'the echarts package is not installed with the gateway' } });
    return reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(js);
  });
}
