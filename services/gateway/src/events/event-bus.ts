import type { GatewayEvent } from './gateway-event.js';

export type * from './gateway-event.js';

/** Publishes live events (CallService, AgentService, TrunkMonitor write here). */
export interface EventPublisher {
  publish(event: GatewayEvent): void;
}

/**
 * In-process fan-out of live events to subscribers (agent WebSockets, wallboard, persistence).
 * A failing subscriber is isolated: it never breaks call handling or other subscribers.
 */
export class EventBus implements EventPublisher {
  private readonly subscribers = new Set<(e: GatewayEvent) => void>();

  constructor(private readonly onSubscriberError: (err: unknown, event: GatewayEvent) => void = () => undefined) {}

  publish(event: GatewayEvent): void {
    for (const s of this.subscribers) {
      try {
        s(event);
      } catch (err) {
        this.onSubscriberError(err, event);
      }
    }
  }

  /** Listeners subscribed right now (a leak shows here). */
  subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: (e: GatewayEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }
}
