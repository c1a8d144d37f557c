import { sql, type Kysely } from 'kysely';
import type { kpi } from '@cti/domain';
import type { Database } from './db.schema.js';
import { toAgentStateInterval } from './kpi.facts.js';

/** One agent state change, as the gateway's `agent.state` event carries it. */
export interface AgentStateChange {
  agentId: string;
  seat: string | null;
  /** New state; `logged_out` closes the open interval without opening another. */
  to: kpi.AgentState | 'logged_out';
  reason?: string;
  /** Epoch ms of the change. */
  at: number;
}

const KPI_STATES = new Set(['ready', 'reserved', 'on_call', 'wrap_up', 'paused', 'logged_in_other']);

/** Agent state intervals and the rings of calls at agents: the facts behind utilization and per-agent efficiency. */
export class AgentStateRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Closes the agent's open interval at the change and opens the next one, in one transaction. */
  async recordChange(change: AgentStateChange): Promise<void> {
    const at = new Date(change.at);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('agent_state_intervals')
        .set({ ended_at: sql<Date>`greatest(started_at, ${at})` })
        .where('agent_id', '=', change.agentId)
        .where('ended_at', 'is', null)
        .execute();
      if (!KPI_STATES.has(change.to)) return;
      await trx
        .insertInto('agent_state_intervals')
        .values({ agent_id: change.agentId, seat: change.seat, state: change.to as kpi.AgentState, reason: change.reason ?? null, started_at: at })
        .execute();
    });
  }

  /**
   * Closes the open intervals of agents not logged in now (at gateway start: agents restored into the ACD keep
   * theirs, everyone else logged out while no gateway was watching). Returns how many were closed.
   */
  async closeOpenExcept(loggedIn: readonly string[], at: number): Promise<number> {
    let q = this.db.updateTable('agent_state_intervals').set({ ended_at: sql<Date>`greatest(started_at, ${new Date(at)})` }).where('ended_at', 'is', null);
    if (loggedIn.length) q = q.where('agent_id', 'not in', [...loggedIn]);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Intervals overlapping [from, to); open ones count until `now`. */
  async intervals(from: number, to: number, now: number): Promise<kpi.AgentStateInterval[]> {
    const rows = await this.db
      .selectFrom('agent_state_intervals')
      .select(['agent_id', 'state', 'reason', 'started_at', 'ended_at'])
      .where('started_at', '<', new Date(to))
      .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', new Date(from))]))
      .orderBy('id')
      .execute();
    return rows.map((r) => toAgentStateInterval(r, now));
  }

  /** A call started ringing at an agent's seat. */
  async recordOffer(callId: string, agentId: string, at: number): Promise<void> {
    await this.db
      .insertInto('call_offers')
      .values({ call_id: callId, agent_id: agentId, offered_at: new Date(at), answered: null, resolved_at: null })
      .onConflict((oc) => oc.columns(['call_id', 'agent_id', 'offered_at']).doNothing())
      .execute();
  }

  /** The agent answered (true) or let it ring out (false) the latest open ring of this call. */
  async resolveOffer(callId: string, agentId: string, answered: boolean, at: number): Promise<void> {
    await this.db
      .updateTable('call_offers')
      .set({ answered, resolved_at: new Date(at) })
      .where('call_id', '=', callId)
      .where('agent_id', '=', agentId)
      .where('answered', 'is', null)
      .execute();
  }
}
