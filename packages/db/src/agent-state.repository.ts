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

/** One write of the KPI facts, in the order the events happened (see AgentStateRepository.recordBatch). */
export type KpiWrite =
  | { kind: 'state'; change: AgentStateChange }
  | { kind: 'offer'; callId: string; agentId: string; at: number }
  | { kind: 'resolve'; callId: string; agentId: string; answered: boolean; at: number };

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
   * Stores many writes in one transaction with a few set-based statements instead of several per write, with the
   * same result as applying them one by one in order (a busy centre changes agent states several times per call).
   * State changes: each agent's open interval is closed at its first change; every change but `logged_out` opens an
   * interval that the agent's next change in the batch closes. Rings: a ring answered or missed within the batch is
   * stored resolved; the first resolution of a call at an agent also closes its open rings stored before the batch.
   */
  async recordBatch(writes: readonly KpiWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const firstChange = new Map<string, number>();
    const intervals: Array<{ agent_id: string; seat: string | null; state: kpi.AgentState; reason: string | null; started_at: Date; ended_at: Date | null }> = [];
    const openByAgent = new Map<string, (typeof intervals)[number]>();
    const offers: Array<{ call_id: string; agent_id: string; offered_at: Date; answered: boolean | null; resolved_at: Date | null }> = [];
    const earlierResolves: Array<{ callId: string; agentId: string; answered: boolean; at: number }> = [];
    const resolved = new Set<string>();
    for (const w of writes) {
      if (w.kind === 'state') {
        const c = w.change;
        if (!firstChange.has(c.agentId)) firstChange.set(c.agentId, c.at);
        const open = openByAgent.get(c.agentId);
        if (open) open.ended_at = new Date(Math.max(open.started_at.getTime(), c.at));
        openByAgent.delete(c.agentId);
        if (!KPI_STATES.has(c.to)) continue;
        const row = { agent_id: c.agentId, seat: c.seat, state: c.to as kpi.AgentState, reason: c.reason ?? null, started_at: new Date(c.at), ended_at: null };
        intervals.push(row);
        openByAgent.set(c.agentId, row);
      } else if (w.kind === 'offer') {
        offers.push({ call_id: w.callId, agent_id: w.agentId, offered_at: new Date(w.at), answered: null, resolved_at: null });
      } else {
        for (const o of offers) {
          if (o.call_id === w.callId && o.agent_id === w.agentId && o.answered === null) Object.assign(o, { answered: w.answered, resolved_at: new Date(w.at) });
        }
        // Open rings stored before the batch: only the first resolution of this call at this agent can find them open.
        const key = `${w.callId}\u0000${w.agentId}`;
        if (!resolved.has(key)) earlierResolves.push(w);
        resolved.add(key);
      }
    }
    await this.db.transaction().execute(async (trx) => {
      if (firstChange.size) {
        const v = sql.join([...firstChange].map(([agent, at]) => sql`(${agent}::text, ${new Date(at)}::timestamptz)`));
        await sql`UPDATE agent_state_intervals AS i SET ended_at = greatest(i.started_at, v.at)
                  FROM (VALUES ${v}) AS v(agent_id, at) WHERE i.agent_id = v.agent_id AND i.ended_at IS NULL`.execute(trx);
      }
      if (intervals.length) await trx.insertInto('agent_state_intervals').values(intervals).execute();
      if (earlierResolves.length) {
        // One statement for all of them (each call/agent pair appears once: only its first resolution is kept).
        const v = sql.join(earlierResolves.map((r) => sql`(${r.callId}::text, ${r.agentId}::text, ${r.answered}::boolean, ${new Date(r.at)}::timestamptz)`));
        await sql`UPDATE call_offers AS o SET answered = v.answered, resolved_at = v.at
                  FROM (VALUES ${v}) AS v(call_id, agent_id, answered, at)
                  WHERE o.call_id = v.call_id AND o.agent_id = v.agent_id AND o.answered IS NULL`.execute(trx);
      }
      if (offers.length) await trx.insertInto('call_offers').values(offers).onConflict((oc) => oc.columns(['call_id', 'agent_id', 'offered_at']).doNothing()).execute();
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
