// The intake form's draft (kept per call in localStorage, so a reload loses nothing) and its submission: the worker
// opens the call's intake ticket when the call is stored, the desk fills in its fields and takes the agent's step.
import { api, ApiError } from '@shared/api';

export const CATEGORY_LABELS: Record<string, string> = { consultation: '咨询', help: '求助', complaint: '投诉', report: '举报', suggestion: '建议', praise: '表扬', other: '其他' };

/** What the agent fills in while they talk (docs/domain.md §3: the five elements and the intake fields). */
export interface IntakeDraft {
  who: string;
  when: string;
  where: string;
  what: string;
  how: string;
  contactNumber: string;
  address: string;
  category: string;
  urgency: 'normal' | 'urgent';
  language: 'mandarin' | 'tibetan';
  summary: string;
  content: string;
  suggestedDepartment: string;
  /** The agent's step: submit for dispatch, or answer directly. */
  disposition: 'submit_for_dispatch' | 'direct_answer';
  answerText: string;
}

export function emptyDraft(language = 'mandarin'): IntakeDraft {
  return { who: '', when: '', where: '', what: '', how: '', contactNumber: '', address: '', category: '', urgency: 'normal', language: language === 'tibetan' ? 'tibetan' : 'mandarin', summary: '', content: '', suggestedDepartment: '', disposition: 'submit_for_dispatch', answerText: '' };
}

/** localStorage key prefix of the drafts (one per call; shared by the desk and its pop-out window). */
export const DRAFT_PREFIX = 'cti.intake.';
const key = (callId: string) => `${DRAFT_PREFIX}${callId}`;

export function loadDraft(callId: string): IntakeDraft | undefined {
  try {
    const raw = localStorage.getItem(key(callId));
    return raw ? { ...emptyDraft(), ...(JSON.parse(raw) as Partial<IntakeDraft>) } : undefined;
  } catch {
    return undefined;
  }
}

export function saveDraft(callId: string, draft: IntakeDraft): void {
  localStorage.setItem(key(callId), JSON.stringify(draft));
}

export function dropDraft(callId: string): void {
  localStorage.removeItem(key(callId));
}

/** What is missing before the draft can be submitted (empty when complete). */
export function missingFields(d: IntakeDraft): string[] {
  const missing: string[] = [];
  if (!d.category) missing.push('诉求类别');
  if (!d.summary.trim()) missing.push('摘要');
  if (!d.content.trim()) missing.push('诉求内容');
  if (!d.what.trim()) missing.push('事件（什么事）');
  if (d.disposition === 'direct_answer' && !d.answerText.trim()) missing.push('答复内容');
  return missing;
}

interface TicketView {
  id: string;
  ticketNo: string;
  version: number;
  state: string;
}

/** The call's intake ticket, waiting (up to `waitMs`) for the worker to store the call that opens it. */
async function ticketOfCall(callId: string, waitMs: number): Promise<TicketView> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return await api<TicketView>('GET', `/calls/${encodeURIComponent(callId)}/ticket`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404) || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Fills the call's intake ticket with the draft and takes the agent's step; returns the ticket number. */
export async function submitIntake(callId: string, d: IntakeDraft): Promise<{ ticketNo: string; id: string }> {
  const t = await ticketOfCall(callId, 20_000);
  const elements = Object.fromEntries((['who', 'when', 'where', 'what', 'how'] as const).map((k) => [k, d[k].trim()]).filter(([, v]) => v !== ''));
  const updated = await api<TicketView>('PATCH', `/tickets/${t.id}`, {
    expectedVersion: t.version,
    category: d.category,
    urgency: d.urgency,
    language: d.language,
    summary: d.summary.trim(),
    content: d.content.trim(),
    ...(d.address.trim() && { address: d.address.trim() }),
    elements,
    ...(d.suggestedDepartment && { suggestedDepartment: d.suggestedDepartment }),
    ...(d.contactNumber.trim() && { callerNumber: d.contactNumber.trim() }),
  });
  const data = d.disposition === 'direct_answer' ? { answerText: d.answerText.trim() } : d.suggestedDepartment ? { suggestedDepartment: d.suggestedDepartment } : {};
  await api('POST', `/tickets/${t.id}/actions/${d.disposition}`, { expectedVersion: updated.version, data });
  return { ticketNo: t.ticketNo, id: t.id };
}
