import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { HOUR, T0, newTicket, snapshot, validData } from './ticket.fixtures.test.js';
import { ACTOR_ROLES, TICKET_STATES, isOpenState } from './ticket.model.js';
import type { ActorRole, Ticket, TicketActionName } from './ticket.model.js';
import { TICKET_ACTIONS, TICKET_TRANSITIONS, reachableTargets } from './ticket.state-machine.js';
import type { ActionData } from './ticket.state-machine.js';
import { allowedActions, applyTicketAction } from './ticket.transitions.js';

// Alternative payloads so the runs exercise the branches (reject, dissatisfied, close, reopen to in_progress) and bad data.
const VARIANTS: Partial<Record<TicketActionName, ActionData[]>> = {
  review_reply: [{ decision: 'reject', reason: '不完整' }],
  record_callback: [{ satisfaction: 'very_dissatisfied' }, { satisfaction: 'basically_satisfied' }],
  review_dissatisfied: [{ decision: 'close', reason: '已解释' }],
  callback_unreachable: [{ maxAttempts: 1 }],
  dispatch: [{ leadDepartment: 'dept-b' }],
};

const EARLY_EXITS = new Set<TicketActionName>(['direct_answer', 'transfer_emergency', 'merge_into']);
const FLAG_EVENTS = new Set<TicketActionName>(['supervise', 'remind']);

function dataFor(action: TicketActionName, ticket: Ticket, now: number, variant: number): ActionData {
  if (variant === 0) return {};
  if (variant === 1) return { junk: true, reason: 42 };
  const extra = VARIANTS[action] ?? [];
  const pick = extra[variant - 3];
  if (action === 'reopen' && variant === 3) return { relatedCallId: 'c', target: 'in_progress', deadline: now + 5 * 24 * HOUR };
  return pick ?? validData(action, ticket, now);
}

const step = fc.record({
  action: fc.constantFrom(...TICKET_ACTIONS),
  role: fc.constantFrom(...ACTOR_ROLES),
  departmentId: fc.constantFrom('dept-a', 'dept-b'),
  variant: fc.nat({ max: 5 }),
  pickIndex: fc.nat({ max: 50 }),
  gapMinutes: fc.integer({ min: 1, max: 3 * 24 * 60 }),
});

interface RunResult {
  ticket: Ticket;
  successes: number;
}

// Guided runs choose among allowedActions so they walk deep into the lifecycle instead of bouncing off intake.
type StepInput = typeof step extends fc.Arbitrary<infer S> ? S : never;

function run(steps: readonly StepInput[], guided: boolean): RunResult {
  let ticket = newTicket();
  let now = T0;
  let successes = 0;
  for (const s of steps) {
    now += s.gapMinutes * 60_000;
    let role: ActorRole = s.role;
    let action: TicketActionName = s.action;
    if (guided) {
      const actions = [...new Set(ACTOR_ROLES.flatMap((r) => allowedActions(ticket, r)))];
      // Early exits absorb walks at intake and flag events stall them; take each only one time in six.
      const forward = actions.filter((a) => (s.variant === 5 || !EARLY_EXITS.has(a)) && (s.variant === 4 || !FLAG_EVENTS.has(a)));
      const chosen = forward[s.pickIndex % Math.max(1, forward.length)];
      if (chosen !== undefined) {
        action = chosen;
        const roles = TICKET_TRANSITIONS[chosen].roles;
        role = roles[s.pickIndex % roles.length] ?? role;
      }
    }
    const actor = { role, id: role === 'department' ? s.departmentId : `${role}-x` };
    const data = dataFor(action, ticket, now, guided ? 2 + (s.variant % 4) : s.variant);
    const before = snapshot(ticket);
    try {
      const result = applyTicketAction(ticket, action, actor, data, now);
      const rule = TICKET_TRANSITIONS[action];
      expect(rule.from).toContain(ticket.state);
      expect(reachableTargets(rule)).toContain(result.ticket.state);
      if (rule.to === 'same') expect(result.ticket.state).toBe(ticket.state);
      ticket = result.ticket;
      successes += 1;
    } catch (e) {
      expect(e).toBeInstanceOf(CtiError);
      expect(['CTI_ERR_INVALID_TRANSITION', 'CTI_ERR_FORBIDDEN', 'CTI_ERR_VALIDATION']).toContain((e as CtiError).code);
      expect(ticket).toEqual(before);
    }
  }
  return { ticket, successes };
}

function checkInvariants({ ticket, successes }: RunResult): void {
  expect(TICKET_STATES).toContain(ticket.state);
  expect(ticket.history).toHaveLength(successes);
  let previous = 'intake';
  ticket.history.forEach((entry, i) => {
    expect(entry.seq).toBe(i + 1);
    expect(entry.from).toBe(previous);
    previous = entry.to;
  });
  expect(ticket.state).toBe(previous);
  if (isOpenState(ticket.state)) {
    expect(Number.isFinite(ticket.deadline)).toBe(true);
    expect(ticket.closedAt).toBeNull();
  } else {
    expect(ticket.closedAt).not.toBeNull();
  }
  if (ticket.state === 'merged') expect(ticket.parentTicketId).not.toBeNull();
  if (['dispatched', 'signed', 'in_progress', 'replied', 'awaiting_callback'].includes(ticket.state)) expect(ticket.leadDepartment).not.toBeNull();
}

// Hundreds of generated walks: CPU work of a fixed size, so their own limit only guards against a hang (a host loaded
// with an end-to-end run beside it took 7–11 s for what takes about 1 s on a quiet one; vitest's 5 s cut them off).
describe('ticket state machine properties', { timeout: 60_000 }, () => {
  it('random actions by random roles never leave the table, never skip history, and keep a deadline on every open ticket', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 60 }), (steps) => checkInvariants(run(steps, false))), { numRuns: 300 });
  });

  it('guided walks through allowed actions keep the same invariants deep into the lifecycle', () => {
    fc.assert(fc.property(fc.array(step, { minLength: 5, maxLength: 80 }), (steps) => checkInvariants(run(steps, true))), { numRuns: 300 });
  });

  it('guided walks reach every state the table can produce except reply_reviewed, which no rule enters', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 80 }), (steps) => {
        const { ticket } = run(steps, true);
        ticket.history.forEach((h) => seen.add(h.to));
      }),
      { numRuns: 400, seed: 12345 },
    );
    expect([...TICKET_STATES].filter((s) => !seen.has(s))).toEqual(['intake', 'reply_reviewed']);
  });
});
