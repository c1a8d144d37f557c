import type { Config } from '@cti/contracts';
import type { AcdEngine, Clock, TrunkName } from '@cti/domain';
import type { TelephonyPort } from '@cti/asterisk';
import type { RouteFeature } from '../app.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import { registerCallbackRoutes, type CallbackTicketLookup, type MissedCallTaskList } from './callback.routes.js';
import { OutboundCallbackService, type CallbackResultSink, type MissedCallTaskSource, type OutboundCallbackSettings, type RoutingTrigger } from './outbound-callback.service.js';

/** Trunk reachability (TrunkMonitor fits): keys `trunk-primary`, `trunk-backup`. */
export interface CallbackTrunks {
  snapshot(): Record<string, { status: string }>;
}

/** What the callback feature is built from. */
export interface CallbackFeatureDeps {
  config: Pick<Config, 'CTI_RING_TIMEOUT_S' | 'CTI_OUTBOUND_PREFIX'>;
  telephony: TelephonyPort;
  acd: AcdEngine;
  /** Where callback outcomes go (the durable publisher to the worker). */
  results: CallbackResultSink;
  /** Missed-call tasks (CallbackTaskRepository fits). */
  tasks: MissedCallTaskSource & MissedCallTaskList;
  /** Tickets whose result callback an agent dials (TicketRepository fits). */
  tickets: CallbackTicketLookup;
  /** A trunk known down is skipped when the citizen is dialled. */
  trunks: CallbackTrunks;
  /** Dial policy, per-agent limit and audit of the citizen's number (shared with call control). */
  dialGuard: NonNullable<OutboundCallbackSettings['dialGuard']>;
  /** The routing loop (through the relay main.ts binds once the loop exists). */
  routing: RoutingTrigger;
  notifier: EventPublisher;
  clock: Clock;
  log: Logger;
}

/** Builds outbound callbacks (virtual hold, missed calls, desk dials) and the callback list routes once, for main.ts. */
export function createCallbackFeature(d: CallbackFeatureDeps): { callbacks: OutboundCallbackService; features: RouteFeature[] } {
  const callbacks = new OutboundCallbackService(
    d.telephony,
    d.acd,
    d.results,
    d.tasks,
    d.notifier,
    d.clock,
    d.log,
    {
      ringTimeoutSeconds: d.config.CTI_RING_TIMEOUT_S,
      citizenRingSeconds: 30,
      outboundPrefix: d.config.CTI_OUTBOUND_PREFIX,
      presentedNumber: '12345',
      callbackSkill: 'callback',
      isTrunkUp: (t: TrunkName) => d.trunks.snapshot()[`trunk-${t}`]?.status !== 'down',
      dialGuard: d.dialGuard,
    },
    d.routing,
  );
  return { callbacks, features: [(routes) => registerCallbackRoutes(routes, d.tasks, callbacks, d.tickets)] };
}
