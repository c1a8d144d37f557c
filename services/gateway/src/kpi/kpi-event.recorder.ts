import type { LiveEvent } from '../events/event-bus.js';
import type { AgentStateChange } from '@cti/db';

/** Where agent state changes and rings are stored (AgentStateRepository fits). */
export interface KpiEventStore {
  recordChange(change: AgentStateChange): Promise<void>;
  recordOffer(callId: string, agentId: string, at: number): Promise<void>;
  resolveOffer(callId: string, agentId: string, answered: boolean, at: number): Promise<void>;
}

/** When an agent's current ACD state began, if the ACD knows (more exact than the event's publish time). */
export type StateSince = (agentId: string, state: string) => number | undefined;

/**
 * Persists the live events the KPI engine needs and the call records lack: agent state intervals (`agent.state`)
 * and each ring at an agent (`call.offered` → `call.connected` | `call.ring_no_answer`).
 * Writes run one at a time in event order, so an interval is never closed before it was opened; a failed write is
 * reported and skipped, never allowed to stall the ones behind it or the call path.
 */
export class KpiEventRecorder {
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly store: KpiEventStore,
    private readonly onError: (err: unknown, event: LiveEvent) => void,
    private readonly stateSince: StateSince = () => undefined,
  ) {}

  /** Bus subscriber. */
  readonly handle = (e: LiveEvent): void => {
    const write = this.toWrite(e);
    if (!write) return;
    this.pending++;
    this.chain = this.chain
      .then(write)
      .catch((err) => this.onError(err, e))
      .finally(() => void this.pending--);
  };

  /** Queues a write of the caller's own behind the event writes (e.g. tidying intervals at start). */
  run(write: () => Promise<unknown>, onError: (err: unknown) => void): void {
    this.pending++;
    this.chain = this.chain
      .then(async () => void (await write()))
      .catch(onError)
      .finally(() => void this.pending--);
  }

  /** Writes queued but not yet done (for metrics and tests). */
  backlog(): number {
    return this.pending;
  }

  /** Resolves once every write queued so far is done. */
  drain(): Promise<void> {
    return this.chain;
  }

  private toWrite(e: LiveEvent): (() => Promise<void>) | undefined {
    const str = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : undefined);
    const agentId = str('agentId');
    const callId = str('callId');
    switch (e.type) {
      case 'agent.state': {
        const to = str('to');
        if (!agentId || !to) return undefined;
        const since = this.stateSince(agentId, to);
        const at = since !== undefined && since <= e.at ? since : e.at;
        const reason = str('reason');
        return () => this.store.recordChange({ agentId, seat: str('seat') ?? null, to: to as AgentStateChange['to'], ...(reason !== undefined && { reason }), at });
      }
      case 'call.offered':
        return agentId && callId ? () => this.store.recordOffer(callId, agentId, e.at) : undefined;
      case 'call.connected':
        return agentId && callId ? () => this.store.resolveOffer(callId, agentId, true, e.at) : undefined;
      case 'call.ring_no_answer':
        return agentId && callId ? () => this.store.resolveOffer(callId, agentId, false, e.at) : undefined;
      default:
        return undefined;
    }
  }
}
