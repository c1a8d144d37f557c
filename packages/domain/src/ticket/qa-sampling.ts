import { CtiError } from '../errors.js';
import { createSeededRandom, shuffled } from './seeded-random.js';

/** An answered call eligible for QA review. */
export interface AnsweredCall {
  readonly callId: string;
  readonly agentId: string;
  readonly answeredAt: number;
}

/** One sampled call and the QA staff member who reviews it. */
export interface QaAssignment {
  readonly callId: string;
  readonly agentId: string;
  readonly assignedTo: string;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Picks calls for QA review, deterministic for a given seed and call set (input order does not matter).
 * Every agent with answered calls gets at least one; each agent then gets floor(rate × own calls), and the
 * remaining places up to ceil(rate × total) are drawn at random from the rest. Reviews are dealt round-robin
 * across qaStaff, skipping a reviewer who answered the call (QA staff also take calls).
 */
export function sampleCallsForQa(calls: readonly AnsweredCall[], rate: number, qaStaff: readonly string[], seed: number | string): QaAssignment[] {
  if (!(rate > 0 && rate <= 1)) throw new CtiError('CTI_ERR_VALIDATION', 'rate must be in (0, 1]', { rate });
  if (qaStaff.length === 0 || new Set(qaStaff).size !== qaStaff.length) {
    throw new CtiError('CTI_ERR_VALIDATION', 'qaStaff must be a non-empty list without repeats', { qaStaff });
  }
  if (new Set(calls.map((c) => c.callId)).size !== calls.length) throw new CtiError('CTI_ERR_VALIDATION', 'callIds must be unique');
  if (calls.length === 0) return [];

  const random = createSeededRandom(seed);
  const byAgent = new Map<string, AnsweredCall[]>();
  for (const call of [...calls].sort((a, b) => byString(a.callId, b.callId))) {
    const list = byAgent.get(call.agentId) ?? [];
    list.push(call);
    byAgent.set(call.agentId, list);
  }

  const picked: AnsweredCall[] = [];
  const leftover: AnsweredCall[] = [];
  for (const agentId of [...byAgent.keys()].sort(byString)) {
    const own = shuffled(byAgent.get(agentId) ?? [], random);
    const quota = Math.max(1, Math.floor(rate * own.length));
    picked.push(...own.slice(0, quota));
    leftover.push(...own.slice(quota));
  }
  const target = Math.ceil(rate * calls.length);
  picked.push(...shuffled(leftover, random).slice(0, Math.max(0, target - picked.length)));

  // Grouping by agent then time spreads each agent's calls across different reviewers.
  picked.sort((a, b) => byString(a.agentId, b.agentId) || a.answeredAt - b.answeredAt || byString(a.callId, b.callId));
  let next = 0;
  return picked.map((call) => {
    for (let k = 0; k < qaStaff.length; k++) {
      const index = (next + k) % qaStaff.length;
      const reviewer = qaStaff[index] as string;
      if (reviewer !== call.agentId) {
        next = index + 1;
        return { callId: call.callId, agentId: call.agentId, assignedTo: reviewer };
      }
    }
    throw new CtiError('CTI_ERR_VALIDATION', 'no QA staff member other than the agent can review this call', { callId: call.callId, agentId: call.agentId });
  });
}
