import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Role } from '@cti/domain';
import type { Database } from './db.schema.js';

/** Who a request speaks for: a bearer token (machines) or a signed-in staff session (people), in one shape. */
export interface Principal {
  tokenId: string;
  role: Role;
  agentId: string | null;
  label: string;
  /** For a `department` token: the department (handling unit) it speaks for. */
  departmentId?: string | null;
  /** When the token stops being accepted (for a staff session: the earlier of its idle and absolute expiry). */
  expiresAt?: Date;
  /**
   * Present when a person signed in with a staff account (cookie session): `tokenId` is then `session:<sessionId>`,
   * `label` the username, and role and agentId are the account's.
   */
  staff?: { id: string; username: string; displayName: string; sessionId: string };
}

/** A token as the admin CLI lists it (never the token or its hash). */
export interface TokenListing {
  id: string;
  role: Role;
  label: string;
  agentId: string | null;
  departmentId: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** Lifetime of a token whose role has no configured one (tests and tools without a config). */
const FALLBACK_LIFETIME_DAYS = 30;
const DAY_MS = 86_400_000;

/** sha256 hex of a bearer token: what is stored and looked up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Issues, checks, lists and revokes API tokens; tokens are stored hashed only and every token expires. */
export class TokenRepository {
  /** `lifetimeDays`: default lifetime per role (CTI_TOKEN_LIFETIME_DAYS); a role left out gets 30 days. */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly lifetimeDays: Partial<Record<Role, number>> = {},
  ) {}

  /**
   * Creates a token and returns it in clear text, once. A `department` token needs the department it speaks for.
   * It expires after `lifetimeDays` (default: its role's lifetime).
   */
  async create(role: Role, label: string, agentId: string | null, departmentId: string | null = null, lifetimeDays?: number): Promise<string> {
    if ((role === 'department') !== (departmentId !== null)) throw new Error(role === 'department' ? 'a department token needs a department id' : 'only a department token has a department id');
    const days = lifetimeDays ?? this.lifetimeDays[role] ?? FALLBACK_LIFETIME_DAYS;
    if (!(days > 0)) throw new Error('a token lifetime must be positive');
    const token = `cti_${randomBytes(24).toString('base64url')}`;
    await this.db
      .insertInto('api_tokens')
      .values({ token_hash: hashToken(token), role, label, agent_id: agentId, department_id: departmentId, expires_at: new Date(Date.now() + days * DAY_MS) })
      .execute();
    return token;
  }

  /** The principal of a token, or undefined when unknown, revoked or expired. */
  async findPrincipal(token: string): Promise<Principal | undefined> {
    const row = await this.db
      .selectFrom('api_tokens')
      .select(['id', 'role', 'agent_id', 'label', 'department_id', 'expires_at'])
      .where('token_hash', '=', hashToken(token))
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    return (
      row && {
        tokenId: row.id,
        role: row.role as Role,
        agentId: row.agent_id,
        label: row.label,
        expiresAt: row.expires_at,
        ...(row.department_id !== null && { departmentId: row.department_id }),
      }
    );
  }

  /** Of the given token ids, those no longer valid (revoked, expired or gone): their open streams must close. */
  async findInvalid(tokenIds: readonly string[]): Promise<string[]> {
    if (tokenIds.length === 0) return [];
    const valid = await this.db
      .selectFrom('api_tokens')
      .select('id')
      .where('id', 'in', tokenIds)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .execute();
    const ok = new Set(valid.map((r) => String(r.id)));
    return tokenIds.filter((id) => !ok.has(id));
  }

  /** Revokes a token by id; false when there is no such token or it was revoked already. */
  async revoke(tokenId: string): Promise<boolean> {
    const r = await this.db.updateTable('api_tokens').set({ revoked_at: sql<Date>`now()` }).where('id', '=', tokenId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** The id of a token given in clear text (revoked or not), or undefined. */
  async findIdByToken(token: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('api_tokens').select('id').where('token_hash', '=', hashToken(token)).executeTakeFirst();
    return row ? String(row.id) : undefined;
  }

  /** Every token, newest first, without secrets. */
  async list(): Promise<TokenListing[]> {
    const rows = await this.db.selectFrom('api_tokens').select(['id', 'role', 'label', 'agent_id', 'department_id', 'created_at', 'expires_at', 'revoked_at']).orderBy('id', 'desc').execute();
    return rows.map((r) => ({ id: String(r.id), role: r.role as Role, label: r.label, agentId: r.agent_id, departmentId: r.department_id, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at }));
  }
}
