import { z } from 'zod';
import { maskPhone, type OutboundCallbackRecord } from '@cti/domain';
import { ms, parsePayload } from './job-payload.js';
import type { Logger } from './logger.js';

/** Stores callback outcomes (CallbackTaskRepository fits, with its retry limit bound). */
export interface CallbackResultStore {
  storeResult(record: OutboundCallbackRecord): Promise<void>;
}


/** An outbound callback outcome as it arrives from the queue. */
export const callbackResultSchema = z.object({
  id: z.string().min(1).max(160),
  kind: z.enum(['virtual_hold', 'missed_call', 'ticket_callback']),
  linkedId: z.string().min(1).max(128),
  taskId: z.string().regex(/^\d+$/).optional(),
  callerNumber: z.string().max(64),
  requestedAt: ms,
  agentId: z.string().max(64).optional(),
  dialledAt: ms.optional(),
  answeredAt: ms.optional(),
  endedAt: ms,
  trunk: z.enum(['primary', 'backup']).optional(),
  result: z.enum(['reached', 'unreachable', 'agent_unavailable', 'cancelled']),
});

/** Validates and stores one callback outcome, idempotently by its id. */
export async function processCallbackResult(data: unknown, store: CallbackResultStore, log: Logger): Promise<void> {
  const r = parsePayload(callbackResultSchema, data, 'callback result') as OutboundCallbackRecord;
  await store.storeResult(r);
  log.info({ callbackId: r.id, kind: r.kind, result: r.result, caller: maskPhone(r.callerNumber) }, 'callback result stored');
}
