import type { Config } from '@cti/contracts';
import type { AcdEngine, Clock } from '@cti/domain';
import type { TelephonyPort } from '@cti/asterisk';
import type { RouteFeature } from '../app.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import { registerAcdRoutes } from './acd.routes.js';
import type { CallRecordSink } from './call-record.sink.js';
import type { CallRegistry } from './call.registry.js';
import { registerCallRoutes } from './call.routes.js';
import { createCallService, type CallService } from './call.service.js';
import type { CallerWaitSettings, LanguageMemory } from './caller-wait.js';
import type { OutboundWork } from './outbound-work.port.js';

/** Dialplan context that queues a caller natively when the gateway cannot serve them (asterisk-conf/extensions.conf). */
export const FALLBACK_CONTEXT = 'cti-fallback';

/** Dialplan context where a caller whose agent ended the call may rate it (asterisk-conf/extensions.conf, src/rating). */
export const RATING_CONTEXT = 'cti-rating';

/** What the call feature is built from. */
export interface CallFeatureDeps {
  config: Pick<Config, 'CTI_RING_TIMEOUT_S' | 'CTI_RATING_ENABLED'>;
  /** What waiting callers hear (the ACD configuration file); absent = silent hold music. */
  wait?: CallerWaitSettings;
  /** The live call state, which persistence reads too. */
  registry: CallRegistry;
  telephony: TelephonyPort;
  acd: AcdEngine;
  /** Where finished call records go (the durable publisher). */
  records: CallRecordSink;
  notifier: EventPublisher;
  clock: Clock;
  log: Logger;
  languages: LanguageMemory;
  /** The owner of callback work in the queue (the callback service). */
  outbound: OutboundWork;
  /** Called after every change of calls or ACD state (persistence). */
  onChange: () => void;
  /** A merged line's own greeting (sound name) by DID. */
  lineGreeting?: (did: string) => string | undefined;
}

/** Builds the call logic and its supervisor routes (live calls, the queue) once, for main.ts. */
export function createCallFeature(d: CallFeatureDeps): { calls: CallService; features: RouteFeature[] } {
  const calls = createCallService({
    telephony: d.telephony,
    acd: d.acd,
    sink: d.records,
    notifier: d.notifier,
    clock: d.clock,
    log: d.log,
    settings: {
      ringTimeoutSeconds: d.config.CTI_RING_TIMEOUT_S,
      fallbackContext: FALLBACK_CONTEXT,
      ...(d.config.CTI_RATING_ENABLED && { ratingContext: RATING_CONTEXT }),
      ...(d.wait && { wait: d.wait }),
    },
    registry: d.registry,
    languages: d.languages,
    outbound: d.outbound,
    onChange: d.onChange,
    ...(d.lineGreeting && { lineGreeting: d.lineGreeting }),
  });
  return {
    calls,
    features: [(routes) => registerCallRoutes(routes, calls, d.clock.now), (routes) => registerAcdRoutes(routes, d.acd)],
  };
}
