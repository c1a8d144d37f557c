import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Principal, QaReviewRow } from '@cti/db';
import { loadQaRubric } from './qa-rubric.config.js';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { registerQaRoutes, type QaStore } from './qa.routes.js';

const principals: Record<string, Principal> = {
  a1: { tokenId: '1', role: 'agent', agentId: 'a1', label: 'agent a1' },
  sup: { tokenId: '2', role: 'supervisor', agentId: null, label: 'lead' },
  cb: { tokenId: '3', role: 'callback', agentId: 'a9', label: 'callback desk' },
};
const review = (id: string, agentId: string): QaReviewRow =>
  ({ id, period: '2026-05', call_id: `call-${id}`, agent_id: agentId, ticket_id: null, assigned_to: 'q1', status: 'done', marks: { greeting: 1 }, score: '0.92', passed: true, failed_critical: false, comments: '规范', reviewed_by: 'q1', reviewed_at: new Date('2026-05-20T02:00:00Z') }) as unknown as QaReviewRow;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start() {
  const asked: string[] = [];
  const store = { doneForAgent: async (agentId: string) => (asked.push(agentId), [review('7', agentId)]) } as unknown as QaStore;
  app = await buildApp({
    logger: createLogger('test', 'silent'),
    tokens: { findPrincipal: async (t) => principals[t] },
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: [(routes) => registerQaRoutes(routes, store, { rate: 0.1, staff: [], rubric: loadQaRubric('') }, Date.now)],
  });
  const get = async (who: string, url: string) => {
    const res = await (app as FastifyInstance).inject({ method: 'GET', url, headers: { authorization: `Bearer ${who}` } });
    return { status: res.statusCode, body: res.json() as any };
  };
  return { get, asked };
}

describe('QA results on the agent’s desk', () => {
  it('shows an agent their own finished reviews with score, marks and comments but not who reviewed, and refuses another agent’s (403)', async () => {
    const { get, asked } = await start();
    const mine = await get('a1', '/api/v1/agents/a1/qa-results');
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([{ id: '7', period: '2026-05', callId: 'call-7', ticketId: null, score: 0.92, passed: true, failedCritical: false, marks: { greeting: 1 }, comments: '规范', reviewedAt: '2026-05-20T02:00:00.000Z' }]);
    expect(mine.body.rubric.items.length).toBeGreaterThan(0);
    expect((await get('a1', '/api/v1/agents/a2/qa-results')).status).toBe(403);
    expect((await get('sup', '/api/v1/agents/a2/qa-results')).status).toBe(200);
    expect((await get('cb', '/api/v1/agents/a9/qa-results')).status).toBe(403);
    expect(asked).toEqual(['a1', 'a2']);
  });
});
