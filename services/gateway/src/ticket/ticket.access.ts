import { CtiError, type Role } from '@cti/domain';
import type { AgentTicketScope, Principal } from '@cti/db';
import { actorOf } from './ticket.service.js';

/**
 * Who reads which tickets (README: Security → citizens' data). Full search over every ticket is for the roles whose
 * work is the whole caseload: shift leads, QA, the callback desk, managers and administrators. An agent reads the
 * tickets they opened or acted on, those of calls they answered, and the caller's tickets while that call is
 * connected to them. A department reads the tickets it leads or co-handles.
 */
export const FULL_SEARCH_ROLES: ReadonlySet<Role> = new Set<Role>(['supervisor', 'qa', 'callback', 'manager', 'admin']);

/** Roles that see a caller's number in full on a ticket's detail: they phone the citizen back or handle the matter. */
export const FULL_NUMBER_ROLES: ReadonlySet<Role> = new Set<Role>(['supervisor', 'callback', 'manager', 'department']);

/** What one principal may read. */
export type TicketReadScope = { kind: 'all' } | { kind: 'department'; departmentId: string } | { kind: 'agent'; scope: AgentTicketScope };

/** The caller of the call connected to an agent right now (CallService fits). */
export type LiveCallerOf = (agentId: string) => string | undefined;

/** The read scope of a principal; roles that read no tickets are refused. */
export function readScopeOf(principal: Principal, liveCallerOf: LiveCallerOf): TicketReadScope {
  if (FULL_SEARCH_ROLES.has(principal.role)) return { kind: 'all' };
  if (principal.role === 'department' && principal.departmentId) return { kind: 'department', departmentId: principal.departmentId };
  if (principal.role === 'agent') {
    const live = principal.agentId ? liveCallerOf(principal.agentId) : undefined;
    return { kind: 'agent', scope: { actorId: actorOf(principal).id, agentId: principal.agentId, ...(live && { liveCaller: live }) } };
  }
  throw new CtiError('CTI_ERR_FORBIDDEN', `role ${principal.role} reads no tickets`, { role: principal.role });
}

/** Whether this principal sees callers' numbers in full on a ticket's detail (lists are always masked). */
export function showsFullNumber(principal: Principal): boolean {
  return FULL_NUMBER_ROLES.has(principal.role);
}
