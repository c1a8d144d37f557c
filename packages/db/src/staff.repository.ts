import type { Kysely, Selectable } from 'kysely';
import { CtiError, type LockoutState, type StaffRole } from '@cti/domain';
import type { Database, StaffAccountsTable } from './db.schema.js';

/** A staff account as the gateway works with it (the password hash never leaves the gateway). */
export interface StaffAccount {
  id: string;
  username: string;
  displayName: string;
  role: StaffRole;
  agentId: string | null;
  passwordHash: string;
  passwordChangedAt: Date;
  failedAttempts: number;
  lockedUntil: Date | null;
  disabled: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
}

/** What an admin may change on an account (the password as a new hash). */
export interface StaffAccountPatch {
  displayName?: string;
  role?: StaffRole;
  agentId?: string | null;
  disabled?: boolean;
  passwordHash?: string;
  passwordChangedAt?: Date;
  /** Clears the failure count and any lock. */
  unlock?: boolean;
}

/** Maps a `staff_accounts` row. */
export function toStaffAccount(r: Selectable<StaffAccountsTable>): StaffAccount {
  return {
    id: String(r.id),
    username: r.username,
    displayName: r.display_name,
    role: r.role as StaffRole,
    agentId: r.agent_id,
    passwordHash: r.password_hash,
    passwordChangedAt: r.password_changed_at,
    failedAttempts: r.failed_attempts,
    lockedUntil: r.locked_until,
    disabled: r.disabled,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
  };
}

const isUniqueViolation = (err: unknown, constraint: string) => (err as { code?: string; constraint?: string }).code === '23505' && (err as { constraint?: string }).constraint === constraint;

/** Named staff accounts: sign-in names, roles, password hashes, failed-attempt counts and locks. */
export class StaffRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates an account; CTI_ERR_CONFLICT when the username or the agent id is taken. */
  async create(a: { username: string; displayName: string; role: StaffRole; agentId: string | null; passwordHash: string; now: Date }): Promise<StaffAccount> {
    try {
      const row = await this.db
        .insertInto('staff_accounts')
        .values({ username: a.username, display_name: a.displayName, role: a.role, agent_id: a.agentId, password_hash: a.passwordHash, password_changed_at: a.now })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toStaffAccount(row);
    } catch (err) {
      if (isUniqueViolation(err, 'staff_accounts_username_key')) throw new CtiError('CTI_ERR_CONFLICT', `username ${a.username} is taken`, { username: a.username });
      if (isUniqueViolation(err, 'staff_accounts_agent_idx')) throw new CtiError('CTI_ERR_CONFLICT', `agent ${a.agentId} already has a staff account`, { agentId: a.agentId });
      throw err;
    }
  }

  /** The account with this (lower-case) username, or undefined. */
  async findByUsername(username: string): Promise<StaffAccount | undefined> {
    const row = await this.db.selectFrom('staff_accounts').selectAll().where('username', '=', username).executeTakeFirst();
    return row && toStaffAccount(row);
  }

  /** The account with this id, or undefined. */
  async findById(id: string): Promise<StaffAccount | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const row = await this.db.selectFrom('staff_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toStaffAccount(row);
  }

  /** Every account, by username. */
  async list(): Promise<StaffAccount[]> {
    return (await this.db.selectFrom('staff_accounts').selectAll().orderBy('username').execute()).map(toStaffAccount);
  }

  /**
   * Applies `next` to the account's failure count and lock under a row lock, so concurrent failed sign-ins each
   * count; returns what `next` returned, or undefined when there is no such account.
   */
  async updateLockout<T extends LockoutState>(id: string, next: (current: LockoutState) => T): Promise<T | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('staff_accounts').select(['failed_attempts', 'locked_until']).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) return undefined;
      const result = next({ failedAttempts: row.failed_attempts, lockedUntil: row.locked_until ? row.locked_until.getTime() : null });
      await tx
        .updateTable('staff_accounts')
        .set({ failed_attempts: result.failedAttempts, locked_until: result.lockedUntil === null ? null : new Date(result.lockedUntil) })
        .where('id', '=', id)
        .execute();
      return result;
    });
  }

  /** A successful sign-in: the failure count and lock are cleared. */
  async recordSignIn(id: string, at: Date): Promise<void> {
    await this.db.updateTable('staff_accounts').set({ failed_attempts: 0, locked_until: null, last_login_at: at }).where('id', '=', id).execute();
  }

  /** Changes an account; CTI_ERR_NOT_FOUND when absent, CTI_ERR_CONFLICT when the agent id has an account already. */
  async update(id: string, patch: StaffAccountPatch): Promise<StaffAccount> {
    const set = {
      ...(patch.displayName !== undefined && { display_name: patch.displayName }),
      ...(patch.role !== undefined && { role: patch.role }),
      ...(patch.agentId !== undefined && { agent_id: patch.agentId }),
      ...(patch.disabled !== undefined && { disabled: patch.disabled }),
      ...(patch.passwordHash !== undefined && { password_hash: patch.passwordHash }),
      ...(patch.passwordChangedAt !== undefined && { password_changed_at: patch.passwordChangedAt }),
      ...(patch.unlock && { failed_attempts: 0, locked_until: null }),
    };
    const found = await this.findById(id);
    if (!found) throw new CtiError('CTI_ERR_NOT_FOUND', `no staff account ${id}`, { id });
    if (Object.keys(set).length === 0) return found;
    try {
      const row = await this.db.updateTable('staff_accounts').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      return toStaffAccount(row);
    } catch (err) {
      if (isUniqueViolation(err, 'staff_accounts_agent_idx')) throw new CtiError('CTI_ERR_CONFLICT', `agent ${patch.agentId} already has a staff account`, { agentId: patch.agentId });
      throw err;
    }
  }
}
