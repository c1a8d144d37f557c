import type { Kysely } from 'kysely';
import type { Database } from './db.schema.js';

/** A stored call's recording and who handled the call, for recording access checks. */
export interface CallRecordingRef {
  linkedId: string;
  agentId: string | null;
  recording: string;
}

/** Looks up recordings referenced from stored calls. */
export class CallRecordingRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The call whose record references `recording`, if any. */
  async findByRecording(recording: string): Promise<CallRecordingRef | undefined> {
    const row = await this.db.selectFrom('calls').select(['linked_id', 'agent_id', 'recording']).where('recording', '=', recording).executeTakeFirst();
    return row?.recording ? { linkedId: row.linked_id, agentId: row.agent_id, recording: row.recording } : undefined;
  }

  /** The recording of a stored call, if it was recorded. */
  async findByCall(linkedId: string): Promise<CallRecordingRef | undefined> {
    const row = await this.db.selectFrom('calls').select(['linked_id', 'agent_id', 'recording']).where('linked_id', '=', linkedId).executeTakeFirst();
    return row?.recording ? { linkedId: row.linked_id, agentId: row.agent_id, recording: row.recording } : undefined;
  }
}
