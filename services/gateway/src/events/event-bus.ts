/** A live event inside the gateway: calls, agents, trunks. `type` is dotted, e.g. `call.offered`, `agent.state`. */
export interface LiveEvent {
  type: string;
  /** Epoch ms when it happened. */
  at: number;
  [key: string]: unknown;
}

/** Publishes live events (CallService, AgentService, TrunkMonitor write here). */
export interface EventPublisher {
  publish(event: LiveEvent): void;
}

/**
 * In-process fan-out of live events to subscribers (agent WebSockets, wallboard, persistence).
 * A failing subscriber is isolated: it never breaks call handling or other subscribers.
 */
export class EventBus implements EventPublisher {
  private readonly subscribers = new Set<(e: LiveEvent) => void>();

  constructor(private readonly onSubscriberError: (err: unknown, event: LiveEvent) => void = () => undefined) {}

  publish(event: LiveEvent): void {
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
  subscribe(listener: (e: LiveEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }
}
