import { z } from 'zod';
import { maskPhone } from '@cti/domain';
import type { MissedCallTaskRow } from '@cti/db';
import type { CallbackJob } from '../callback/outbound-callback.service.js';
import type { RouteRegistry } from './route.registry.js';

/** Open missed-call tasks (CallbackTaskRepository fits). */
export interface MissedCallTaskList {
  listOpen(limit: number): Promise<MissedCallTaskRow[]>;
}

/** The callback list: open missed-call tasks (漏接回拨) and callbacks in progress or waiting in the queue. */
export function registerCallbackRoutes(routes: RouteRegistry, tasks: MissedCallTaskList, jobs: { list(): CallbackJob[] }): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/callbacks',
    summary: 'Callback list: open missed-call tasks and callbacks queued or in progress',
    roles: ['agent', 'callback', 'supervisor', 'manager', 'admin'],
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    handler: async ({ query }) => ({
      missedCalls: (await tasks.listOpen(query.limit)).map((t) => ({ taskId: t.id, caller: maskPhone(t.caller_number), day: t.day, attempts: t.attempts, linkedId: t.linked_id, createdAt: t.created_at })),
      inProgress: jobs.list().map((j) => ({ kind: j.kind, callId: j.acdCallId, caller: maskPhone(j.callerNumber), phase: j.phase, agentId: j.agentId ?? null, requestedAt: j.requestedAt })),
    }),
  });
}
