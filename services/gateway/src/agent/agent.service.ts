import { CtiError, type AcdEngine, type AgentView } from '@cti/domain';
import type { AgentRow } from '@cti/db';
import { phoneEndpoint, seatOfEndpoint, type SeatPhone } from '@cti/asterisk';
import type { SeatHolds } from './console-phone.service.js';

/** The agent directory the service reads (AgentRepository fits). */
export interface AgentDirectory {
  findById(id: string): Promise<AgentRow | undefined>;
  list(): Promise<AgentRow[]>;
}

/** An agent from the directory with their live ACD state, when logged in. */
export interface AgentStatus {
  agentId: string;
  name: string;
  skills: Record<string, number>;
  backup: boolean;
  live: AgentView | null;
}

/** Agent log-in and state changes; routes calls after every change that frees an agent. */
export class AgentService {
  /**
   * `seats` are the endpoints agents can be rung on: each seat's desk phone (`seat-NN`) and, when browser phones are
   * configured, its browser phone (`seat-NN-web`). The ACD's seat of an agent is the endpoint their calls ring.
   */
  constructor(
    private readonly acd: AcdEngine,
    private readonly directory: AgentDirectory,
    private readonly seats: ReadonlySet<string>,
    private readonly onAgentFreed: () => void,
    /** Seats supervisors' consoles hold for their browser phones: no agent logs in there meanwhile. */
    private readonly holds?: SeatHolds,
  ) {}

  /** One agent with live state, or undefined when the directory has no such agent. */
  async find(agentId: string): Promise<AgentStatus | undefined> {
    const r = await this.directory.findById(agentId);
    return r && { agentId: r.id, name: r.name, skills: r.skills, backup: r.backup, live: this.acd.findAgent(r.id) ?? null };
  }

  /** Every agent with live state. */
  async list(): Promise<AgentStatus[]> {
    const rows = await this.directory.list();
    return rows.map((r) => ({ agentId: r.id, name: r.name, skills: r.skills, backup: r.backup, live: this.acd.findAgent(r.id) ?? null }));
  }

  /**
   * Logs an agent in to a seat, taking calls on its desk phone or on the browser phone of the desk page; they start
   * not ready until they say so. One agent per seat, whichever phone.
   */
  async login(agentId: string, seat: string, phone: SeatPhone = 'desk'): Promise<AgentView> {
    const agent = await this.directory.findById(agentId);
    if (!agent) throw new CtiError('CTI_ERR_NO_SUCH_AGENT', `no agent ${agentId}`, { agentId });
    if (!this.seats.has(seat)) throw new CtiError('CTI_ERR_VALIDATION', `no seat ${seat}`, { field: 'seat', seat });
    const endpoint = phoneEndpoint(seat, phone);
    if (!this.seats.has(endpoint)) throw new CtiError('CTI_ERR_VALIDATION', `seat ${seat} has no ${phone} phone (browser phones need CTI_WEBRTC_CERT_FILE)`, { field: 'phone', seat, phone });
    const holder = this.acd.agents().find((a) => seatOfEndpoint(a.seat).seat === seat && a.agentId !== agentId && a.state !== 'logged_out');
    if (holder) throw new CtiError('CTI_ERR_CONFLICT', `seat ${seat} is taken by ${holder.agentId}`, { seat, agentId: holder.agentId });
    const heldBy = this.holds?.findHolder(seat);
    if (heldBy !== undefined) throw new CtiError('CTI_ERR_CONFLICT', `seat ${seat} is held by ${heldBy}'s console phone`, { seat, heldBy });
    const current = this.acd.findAgent(agentId);
    if (current && current.state !== 'logged_out') {
      if (current.seat === endpoint) return current;
      throw new CtiError('CTI_ERR_CONFLICT', `agent ${agentId} is already logged in at ${current.seat}`, { seat: current.seat });
    }
    this.acd.login({ agentId, seat: endpoint, skills: agent.skills, backup: agent.backup });
    return this.acd.getAgent(agentId);
  }

  /** The agent's live ACD state, or undefined if they never logged in. */
  liveState(agentId: string): AgentView | undefined {
    return this.acd.findAgent(agentId);
  }

  /** Logs an agent out (not while on a call). */
  logout(agentId: string): AgentView {
    this.acd.logout(agentId);
    return this.acd.getAgent(agentId);
  }

  /** Makes an agent ready for calls. */
  ready(agentId: string): AgentView {
    this.acd.ready(agentId);
    this.onAgentFreed();
    return this.acd.getAgent(agentId);
  }

  /** Pauses an agent with a configured reason. */
  pause(agentId: string, reason: string): AgentView {
    this.acd.pause(agentId, reason);
    return this.acd.getAgent(agentId);
  }

  /** Ends after-call work early. */
  endWrapUp(agentId: string): AgentView {
    this.acd.endWrapUp(agentId);
    this.onAgentFreed();
    return this.acd.getAgent(agentId);
  }
}
