import { CtiError, type AcdEngine, type AgentView } from '@cti/domain';
import type { AgentRow } from '@cti/db';

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
  constructor(
    private readonly acd: AcdEngine,
    private readonly directory: AgentDirectory,
    private readonly seats: ReadonlySet<string>,
    private readonly onAgentFreed: () => void,
  ) {}

  /** Every agent with live state. */
  async list(): Promise<AgentStatus[]> {
    const rows = await this.directory.list();
    return rows.map((r) => ({ agentId: r.id, name: r.name, skills: r.skills, backup: r.backup, live: this.acd.findAgent(r.id) ?? null }));
  }

  /** Logs an agent in to a seat; they start not ready until they say so. */
  async login(agentId: string, seat: string): Promise<AgentView> {
    const agent = await this.directory.findById(agentId);
    if (!agent) throw new CtiError('CTI_ERR_NO_SUCH_AGENT', `no agent ${agentId}`, { agentId });
    if (!this.seats.has(seat)) throw new CtiError('CTI_ERR_VALIDATION', `no seat ${seat}`, { field: 'seat', seat });
    const holder = this.acd.agents().find((a) => a.seat === seat && a.agentId !== agentId && a.state !== 'logged_out');
    if (holder) throw new CtiError('CTI_ERR_CONFLICT', `seat ${seat} is taken by ${holder.agentId}`, { seat, agentId: holder.agentId });
    const current = this.acd.findAgent(agentId);
    if (current && current.state !== 'logged_out') {
      if (current.seat === seat) return current;
      throw new CtiError('CTI_ERR_CONFLICT', `agent ${agentId} is already logged in at ${current.seat}`, { seat: current.seat });
    }
    this.acd.login({ agentId, seat, skills: agent.skills, backup: agent.backup });
    return this.acd.getAgent(agentId);
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
