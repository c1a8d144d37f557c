import type { Kysely, Selectable } from 'kysely';
import type { AgentsTable, Database } from './db.schema.js';

/** An agent as stored. */
export type AgentRow = Selectable<AgentsTable>;

/** The agent directory (people, skills); live state lives in the gateway's ACD. */
export class AgentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates or updates an agent. */
  async upsert(agent: { id: string; name: string; skills: Record<string, number>; backup?: boolean }): Promise<void> {
    await this.db
      .insertInto('agents')
      .values({ id: agent.id, name: agent.name, skills: JSON.stringify(agent.skills), backup: agent.backup ?? false })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: agent.name, skills: JSON.stringify(agent.skills), backup: agent.backup ?? false }))
      .execute();
  }

  /** Every agent, by id. */
  async list(): Promise<AgentRow[]> {
    return this.db.selectFrom('agents').selectAll().orderBy('id').execute();
  }

  /** One agent, or undefined. */
  async findById(id: string): Promise<AgentRow | undefined> {
    return this.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
