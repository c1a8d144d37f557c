import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './db.schema.js';

/** Roles a bearer token can carry. */
export const ROLES = ['agent', 'supervisor', 'qa', 'callback', 'manager', 'admin', 'partner', 'department'] as const;
/** One of ROLES. */
export type Role = (typeof ROLES)[number];

/** Who a valid token speaks for. */
export interface Principal {
  tokenId: string;
  role: Role;
  agentId: string | null;
  label: string;
  /** For a `department` token: the department (handling unit) it speaks for. */
  departmentId?: string | null;
}

/** sha256 hex of a bearer token: what is stored and looked up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Issues and checks API tokens; tokens are stored hashed only. */
export class TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates a token and returns it in clear text, once. A `department` token needs the department it speaks for. */
  async create(role: Role, label: string, agentId: string | null, departmentId: string | null = null): Promise<string> {
    if ((role === 'department') !== (departmentId !== null)) throw new Error(role === 'department' ? 'a department token needs a department id' : 'only a department token has a department id');
    const token = `cti_${randomBytes(24).toString('base64url')}`;
    await this.db.insertInto('api_tokens').values({ token_hash: hashToken(token), role, label, agent_id: agentId, department_id: departmentId }).execute();
    return token;
  }

  /** The principal of a token, or undefined when unknown or revoked. */
  async findPrincipal(token: string): Promise<Principal | undefined> {
    const row = await this.db
      .selectFrom('api_tokens')
      .select(['id', 'role', 'agent_id', 'label', 'department_id'])
      .where('token_hash', '=', hashToken(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && { tokenId: row.id, role: row.role as Role, agentId: row.agent_id, label: row.label, ...(row.department_id !== null && { departmentId: row.department_id }) };
  }
}
