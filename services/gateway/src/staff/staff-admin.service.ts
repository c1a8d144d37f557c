import { CtiError, type Clock, type StaffRole } from '@cti/domain';
import type { StaffAccount } from '@cti/db';
import type { PasswordHasher } from './password.hasher.js';
import { assertPasswordPolicy, normalizeUsername, staffView, type AuditSink, type StaffAccountStore, type StaffSessionStore, type StaffView } from './staff-auth.service.js';

/** The accounts an admin manages (StaffRepository fits). */
export interface StaffDirectory extends Pick<StaffAccountStore, 'findByUsername' | 'findById' | 'update'> {
  create(a: { username: string; displayName: string; role: StaffRole; agentId: string | null; passwordHash: string; now: Date }): Promise<StaffAccount>;
  list(): Promise<StaffAccount[]>;
}

/** Tells whether an agent id exists (AgentRepository fits). */
export interface AgentLookup {
  findById(id: string): Promise<unknown>;
}

/** An account as the admin page lists it: the API view plus its state (never the hash). */
export interface StaffListing extends StaffView {
  disabled: boolean;
  failedAttempts: number;
  lockedUntil: string | null;
  passwordChangedAt: string;
  lastLoginAt: string | null;
  createdAt: string;
}

/** Who does an admin action: a signed-in admin, an admin token, or the CLI. */
export interface AdminActor {
  role: string;
  /** Username, token label or `cli`. */
  id: string;
  /** The actor's own staff account id, when they are signed in (they may not disable or demote themself). */
  staffId?: string;
}

/** An admin's change to an account; `password` resets it (and clears a lock). */
export interface StaffChange {
  displayName?: string;
  role?: StaffRole;
  agentId?: string | null;
  disabled?: boolean;
  password?: string;
  unlock?: boolean;
}

/** The account with its state for the admin page. */
export function staffListing(a: StaffAccount): StaffListing {
  return {
    ...staffView(a),
    disabled: a.disabled,
    failedAttempts: a.failedAttempts,
    lockedUntil: a.lockedUntil?.toISOString() ?? null,
    passwordChangedAt: a.passwordChangedAt.toISOString(),
    lastLoginAt: a.lastLoginAt?.toISOString() ?? null,
    createdAt: a.createdAt.toISOString(),
  };
}

/**
 * Staff administration (admin routes and the admin CLI): add accounts, change role, agent, name, disable, reset a
 * password. Changes that alter what a person may do (disable, password reset, role or agent change) end their open
 * sessions, so a stream opened under the old rights closes within CTI_TOKEN_RECHECK_S. Every change is audited,
 * never with a password.
 */
export class StaffAdminService {
  constructor(
    private readonly directory: StaffDirectory,
    private readonly sessions: Pick<StaffSessionStore, 'endAllOf'>,
    private readonly agents: AgentLookup,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditSink,
    private readonly clock: Clock,
  ) {}

  /** Every account with its state. */
  async list(): Promise<StaffListing[]> {
    return (await this.directory.list()).map(staffListing);
  }

  /** One account with its state; CTI_ERR_NOT_FOUND when absent. */
  async get(id: string): Promise<StaffListing> {
    return staffListing(await this.getAccount(id));
  }

  /** The account with this username, or undefined. */
  async findByUsername(username: string): Promise<StaffListing | undefined> {
    const a = await this.directory.findByUsername(normalizeUsername(username));
    return a && staffListing(a);
  }

  /** Adds an account; the password must meet the policy; an agent account needs an existing agent id. */
  async create(input: { username: string; displayName: string; role: StaffRole; agentId?: string | null; password: string }, actor: AdminActor): Promise<StaffListing> {
    const username = normalizeUsername(input.username);
    const agentId = input.agentId ?? null;
    await this.assertAgent(input.role, agentId);
    assertPasswordPolicy(input.password, username, 'password');
    const now = new Date(this.clock.now());
    const account = await this.directory.create({ username, displayName: input.displayName, role: input.role, agentId, passwordHash: await this.hasher.hash(input.password), now });
    await this.audit.record({ actorRole: actor.role, actorId: actor.id, action: 'staff.create', target: `staff:${account.id}`, data: { username, role: account.role, agentId } });
    return staffListing(account);
  }

  /** Changes an account (see StaffChange); CTI_ERR_NOT_FOUND when absent. */
  async update(id: string, change: StaffChange, actor: AdminActor): Promise<StaffListing> {
    const before = await this.getAccount(id);
    if (actor.staffId === id && (change.disabled === true || (change.role !== undefined && change.role !== 'admin'))) {
      throw new CtiError('CTI_ERR_CONFLICT', 'an admin may not disable or demote their own account (another admin can)', { id });
    }
    const role = change.role ?? before.role;
    const agentId = change.agentId !== undefined ? change.agentId : before.agentId;
    if (change.role !== undefined || change.agentId !== undefined) await this.assertAgent(role, agentId);
    if (change.password !== undefined) assertPasswordPolicy(change.password, before.username, 'password');
    const now = new Date(this.clock.now());
    const after = await this.directory.update(id, {
      ...(change.displayName !== undefined && { displayName: change.displayName }),
      ...(change.role !== undefined && { role: change.role }),
      ...(change.agentId !== undefined && { agentId: change.agentId }),
      ...(change.disabled !== undefined && { disabled: change.disabled }),
      ...(change.password !== undefined && { passwordHash: await this.hasher.hash(change.password), passwordChangedAt: now }),
      ...((change.unlock || change.password !== undefined) && { unlock: true }),
    });
    const rightsChanged = change.disabled === true || change.password !== undefined || after.role !== before.role || after.agentId !== before.agentId;
    const sessionsEnded = rightsChanged ? await this.sessions.endAllOf(id, 'revoked', now) : 0;
    const changed = Object.keys(change).filter((k) => k !== 'password' && change[k as keyof StaffChange] !== undefined);
    await this.audit.record({
      actorRole: actor.role,
      actorId: actor.id,
      action: change.password !== undefined ? 'staff.password_reset' : 'staff.update',
      target: `staff:${id}`,
      data: { username: before.username, changed, passwordReset: change.password !== undefined, sessionsEnded, ...(change.role !== undefined && { role: { from: before.role, to: after.role } }) },
    });
    return staffListing(after);
  }

  private async getAccount(id: string): Promise<StaffAccount> {
    const a = await this.directory.findById(id);
    if (!a) throw new CtiError('CTI_ERR_NOT_FOUND', `no staff account ${id}`, { id });
    return a;
  }

  private async assertAgent(role: StaffRole, agentId: string | null): Promise<void> {
    if (role === 'agent' && agentId === null) throw new CtiError('CTI_ERR_VALIDATION', 'invalid body: agentId: an agent account needs the agent id it works as', { where: 'body', issues: [{ field: 'agentId', reason: 'required for role agent' }] });
    if (agentId !== null && !(await this.agents.findById(agentId))) throw new CtiError('CTI_ERR_VALIDATION', `invalid body: agentId: no agent ${agentId}`, { where: 'body', issues: [{ field: 'agentId', reason: 'no such agent' }] });
  }
}
