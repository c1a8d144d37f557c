import type { Config } from '@cti/contracts';
import type { AcdEngine } from '@cti/domain';
import type { RouteFeature } from '../app.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import type { TokenValidity, TokenWatch } from '../http/token.watch.js';
import type { StreamSessions } from '../agent/agent-events.feature.js';
import { WallboardFeed } from './wallboard.feed.js';
import type { WallboardFigures } from './wallboard.figures.js';
import { registerWallboardRoutes } from './wallboard.routes.js';
import { WallboardTickets } from './wallboard.ticket.js';
import type { WallboardTrendsSource } from './wallboard.trends.js';

/** The configuration the wallboard reads: its tickets' secret and lifetime, and how often its figures refresh. */
export type WallboardConfig = Pick<Config, 'CTI_WALLBOARD_SECRET' | 'CTI_WALLBOARD_TICKET_TTL_S' | 'CTI_WALLBOARD_STATS_S'>;

/** What the wallboard reads from the rest of the gateway. */
export interface WallboardFeatureDeps {
  config: WallboardConfig;
  /** Any event schedules a push; a call's end or a KPI alert also refreshes the database figures. */
  bus: Pick<EventBus, 'subscribe'>;
  /** Waiting calls and agent states. */
  acd: Pick<AcdEngine, 'queue' | 'agents'>;
  /** Calls in the gateway now. */
  liveCallCount: () => number;
  trunks: () => Record<string, { status: string; since: number }>;
  ariUp: () => boolean;
  amiUp: () => boolean;
  /** The database figures (the KPI feature's `figures` fit). */
  figures: WallboardFigures;
  /** The trend charts' data (the KPI feature's figures fit; docs/domain.md §17). */
  trends: WallboardTrendsSource;
  log: Logger;
  now: () => number;
  /** Closes a wallboard's stream when the token that issued its ticket is revoked or expires. */
  tokenWatch: TokenWatch;
  /** Checks that a wallboard ticket's issuing token is still valid. */
  tokenValidity: TokenValidity;
  /** Staff sessions the wallboard accepts instead of a ticket (supervisors' consoles); absent = tickets only. */
  streamSessions?: StreamSessions;
}

/**
 * The wallboard: its feed (live state from memory, database figures refreshed every CTI_WALLBOARD_STATS_S and after
 * each call ends), its signed tickets and its routes. The feed listens to the bus at once; its refresh timers run
 * while the HTTP app does (started when the app is ready, stopped when it closes).
 */
export function createWallboardFeature(d: WallboardFeatureDeps): RouteFeature {
  const c = d.config;
  const feed = new WallboardFeed(
    {
      waitingSince: () => d.acd.queue().filter((q) => q.position > 0).map((q) => q.enqueuedAt),
      agentStates: () => d.acd.agents().map((a) => a.state),
      callsInProgress: d.liveCallCount,
      trunks: d.trunks,
      ari: d.ariUp,
      ami: d.amiUp,
      activeLinkages: () => 0,
    },
    d.figures,
    d.now,
    { pushDelayMs: 150, statsEveryMs: c.CTI_WALLBOARD_STATS_S * 1000, statsAfterCallEndMs: 800 },
    (err) => d.log.warn({ err: (err as Error).message }, 'wallboard refresh failed'),
  );
  d.bus.subscribe(feed.handle);
  const tickets = new WallboardTickets(c.CTI_WALLBOARD_SECRET, c.CTI_WALLBOARD_TICKET_TTL_S * 1000, d.now);
  return (routes, app) => {
    registerWallboardRoutes(routes, app, feed, tickets, d.now, d.tokenWatch, d.tokenValidity, d.streamSessions, d.trends);
    app.addHook('onReady', async () => feed.start());
    app.addHook('onClose', async () => feed.stop());
  };
}
