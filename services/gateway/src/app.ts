import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from './logger.js';
import { installErrorHandler } from './http/error.handler.js';
import { RouteRegistry, type SessionAuth, type TokenVerifier } from './http/route.registry.js';
import { registerHealthRoutes, type HealthProbes } from './http/health.routes.js';

/** A feature's HTTP surface: registers its routes (and any raw Fastify routes, e.g. WebSocket or static pages). */
export type RouteFeature = (routes: RouteRegistry, app: FastifyInstance) => void | Promise<void>;

/** What the HTTP app is built from: authentication, health, and the features' routes. */
export interface AppDeps {
  logger: Logger;
  tokens: TokenVerifier;
  /** Staff sessions (cookie `cti_session`); without it only bearer tokens authenticate. */
  sessions?: SessionAuth;
  health: HealthProbes;
  features: RouteFeature[];
}

/** Builds the gateway's HTTP app without listening, so tests can use inject(). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // pino's Logger is wider than FastifyBaseLogger; the app is typed with the base logger everywhere else.
  const app = Fastify({ loggerInstance: deps.logger, bodyLimit: 256 * 1024, disableRequestLogging: true }) as unknown as FastifyInstance;
  installErrorHandler(app);
  const routes = new RouteRegistry(app, deps.tokens, deps.sessions);
  registerHealthRoutes(routes, deps.health);
  for (const feature of deps.features) await feature(routes, app);
  routes.declareRaw({ method: 'GET', url: '/api/v1/openapi.json', summary: 'This OpenAPI document (every route with its roles or access)', access: { kind: 'public' } });
  app.get('/api/v1/openapi.json', async () => routes.openApi());
  routes.verifyDeclared();
  return app;
}
