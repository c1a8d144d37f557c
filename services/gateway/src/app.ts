import Fastify, { type FastifyInstance } from 'fastify';
import type { AcdEngine } from '@cti/domain';
import type { Logger } from './logger.js';
import { installErrorHandler } from './http/error.handler.js';
import { RouteRegistry, type TokenVerifier } from './http/route.registry.js';
import { registerHealthRoutes, type HealthProbes } from './http/health.routes.js';
import { registerAgentRoutes } from './http/agent.routes.js';
import { registerStatsRoutes, type AnswerCountSource } from './http/stats.routes.js';
import { registerTicketRoutes, type TicketReader } from './http/ticket.routes.js';
import { registerCallRoutes, type LiveCallSource } from './http/call.routes.js';
import { registerAcdRoutes } from './http/acd.routes.js';
import type { AgentService } from './agent/agent.service.js';

/** Everything the HTTP API talks to, as ports. */
export interface AppDeps {
  logger: Logger;
  tokens: TokenVerifier;
  health: HealthProbes;
  agents: AgentService;
  acd: AcdEngine;
  answerCounts: AnswerCountSource;
  tickets: TicketReader;
  calls: LiveCallSource;
  now: () => number;
}

/** Builds the gateway's HTTP app without listening, so tests can use inject(). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // pino's Logger is wider than FastifyBaseLogger; the app is typed with the base logger everywhere else.
  const app = Fastify({ loggerInstance: deps.logger, bodyLimit: 256 * 1024, disableRequestLogging: true }) as unknown as FastifyInstance;
  installErrorHandler(app);
  const routes = new RouteRegistry(app, deps.tokens);
  registerHealthRoutes(routes, deps.health);
  registerAgentRoutes(routes, deps.agents);
  registerStatsRoutes(routes, deps.answerCounts, deps.now);
  registerTicketRoutes(routes, deps.tickets);
  registerCallRoutes(routes, deps.calls, deps.now);
  registerAcdRoutes(routes, deps.acd);
  app.get('/api/v1/openapi.json', async () => routes.openApi());
  return app;
}
