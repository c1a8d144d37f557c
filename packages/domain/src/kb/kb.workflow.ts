// The life of a knowledge-base article (知识库条目): written as a draft, submitted for review, published by a second
// person, withdrawn when wrong or obsolete. An article past its validity window is "expired": still stored, hidden
// from agents, listed for review. Editors are the shift leads and managers who run the knowledge base.
import { CtiError } from '../errors.js';

export const KB_STATUSES = ['draft', 'review', 'published', 'withdrawn'] as const;
export type KbStatus = (typeof KB_STATUSES)[number];

export const KB_ACTIONS = ['submit', 'approve', 'reject', 'withdraw', 'reopen'] as const;
export type KbAction = (typeof KB_ACTIONS)[number];

/** From which status each action goes where. */
const TRANSITIONS: Record<KbAction, { from: readonly KbStatus[]; to: KbStatus }> = {
  submit: { from: ['draft'], to: 'review' },
  approve: { from: ['review'], to: 'published' },
  reject: { from: ['review'], to: 'draft' },
  withdraw: { from: ['published', 'review'], to: 'withdrawn' },
  reopen: { from: ['withdrawn'], to: 'draft' },
};

/** Who last changed the article's text, for the four-eyes rule. */
export interface KbArticleState {
  status: KbStatus;
  /** Who saved the current text (created it or last edited it). */
  editedBy: string;
}

/**
 * The status after `action` by `actor`; throws CTI_ERR_INVALID_TRANSITION for an action the status does not allow and
 * CTI_ERR_FORBIDDEN when someone approves their own text (a second person checks every article agents will read).
 */
export function kbTransition(article: KbArticleState, action: KbAction, actor: string): KbStatus {
  const t = TRANSITIONS[action];
  if (!t.from.includes(article.status)) {
    throw new CtiError('CTI_ERR_INVALID_TRANSITION', `cannot ${action} an article that is ${article.status}`, { action, status: article.status, allowedFrom: t.from });
  }
  if (action === 'approve' && actor === article.editedBy) {
    throw new CtiError('CTI_ERR_FORBIDDEN', 'an article is approved by someone other than its last editor', { editedBy: article.editedBy });
  }
  return t.to;
}

/**
 * Whether the text may be edited in this status: drafts and articles in review (an edit sends them back to draft);
 * a published article's text is corrected in place by an editor, and the change is kept in its history.
 */
export function kbEditableIn(status: KbStatus): boolean {
  return status !== 'withdrawn';
}

/** The status after an edit: an article in review goes back to draft (the reviewer must see the new text). */
export function kbStatusAfterEdit(status: KbStatus): KbStatus {
  return status === 'review' ? 'draft' : status;
}

/** A validity window: from (inclusive) and until (inclusive), Beijing calendar days 'YYYY-MM-DD'; open ends allowed. */
export interface KbValidity {
  validFrom: string | null;
  validUntil: string | null;
}

/** Whether agents see the article on `today` (Beijing date): published and inside its validity window. */
export function kbVisibleToAgents(a: { status: KbStatus } & KbValidity, today: string): boolean {
  return a.status === 'published' && (a.validFrom === null || a.validFrom <= today) && (a.validUntil === null || today <= a.validUntil);
}

/** Whether a published article's window has passed (expired: kept, hidden, listed for review). */
export function kbExpired(a: { status: KbStatus } & KbValidity, today: string): boolean {
  return a.status === 'published' && a.validUntil !== null && a.validUntil < today;
}

/** CTI_ERR_VALIDATION unless from ≤ until. */
export function assertKbValidity(v: KbValidity): void {
  if (v.validFrom !== null && v.validUntil !== null && v.validUntil < v.validFrom) {
    throw new CtiError('CTI_ERR_VALIDATION', 'validUntil is before validFrom', { ...v });
  }
}
