import { CtiError } from '../errors.js';
import { isOpenState } from './ticket.model.js';
import type { Ticket } from './ticket.model.js';

/**
 * Reduces a phone number to comparable digits: drops punctuation, the +86/0086 country code and the
 * trunk 0, so '+86 836-2812345', '08362812345' and '8362812345' match.
 */
export function normalizeCallerNumber(raw: string): string {
  let digits = raw.replace(/\D/g, '');
  if (digits.startsWith('0086')) digits = digits.slice(4);
  else if (digits.startsWith('86') && digits.length >= 12) digits = digits.slice(2);
  return digits.replace(/^0+/, '');
}

/**
 * Open tickets from the same caller an agent should consider linking or merging a new call to, newest first.
 * Finished tickets are dropped even if passed in; a withheld (empty) number matches nothing.
 */
export function findLinkCandidates<T extends Pick<Ticket, 'id' | 'state' | 'callerNumber' | 'acceptedAt'>>(openTickets: readonly T[], callerNumber: string): T[] {
  const wanted = normalizeCallerNumber(callerNumber);
  if (wanted === '') return [];
  return openTickets
    .filter((t) => isOpenState(t.state) && normalizeCallerNumber(t.callerNumber) === wanted)
    .sort((a, b) => b.acceptedAt - a.acceptedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Checks that `child` may be merged under `parent` before applying merge_into: the parent must be open,
 * not itself merged, and not the child, so merges never form chains or cycles.
 */
export function assertMergeable(child: Pick<Ticket, 'id'>, parent: Pick<Ticket, 'id' | 'state' | 'parentTicketId'>): void {
  if (child.id === parent.id) throw new CtiError('CTI_ERR_VALIDATION', 'a ticket cannot be merged into itself', { ticketId: child.id });
  if (!isOpenState(parent.state) || parent.parentTicketId !== null) {
    throw new CtiError('CTI_ERR_VALIDATION', 'the parent must be an open ticket that is not merged itself', { parentId: parent.id, parentState: parent.state });
  }
}
