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
  /** The county or county-level city of Ganzi (docs/domain.md §17), from the configured list. */
  county: string;
  category: string;
  urgency: 'normal' | 'urgent';
  language: 'mandarin' | 'tibetan';
  summary: string;
  content: string;
  suggestedDepartment: string;
  /**
   * The agent's step: submit for dispatch, answer directly, transfer to an emergency or utility line (after a linkage
   * hand-off), or merge into an open ticket of the same caller.
   */
  disposition: Disposition;
  answerText: string;
  /** transfer_emergency: the partner line and how the matter went over. */
  partnerLine: string;
  method: 'transfer' | 'three_way' | 'push';
  /** merge_into: the caller's open ticket this call belongs to. */
  parentTicketId: string;
  parentTicketNo: string;
}

export type Disposition = 'submit_for_dispatch' | 'direct_answer' | 'transfer_emergency' | 'merge_into';

export const PARTNER_LINE_LABELS: Record<string, string> = { '110': '110 公安', '119': '119 消防', '120': '120 急救', '122': '122 交警', water: '供水', power: '供电', gas: '燃气', heating: '供暖' };

export function emptyDraft(language = 'mandarin'): IntakeDraft {
  return { who: '', when: '', where: '', what: '', how: '', contactNumber: '', address: '', county: '', category: '', urgency: 'normal', language: language === 'tibetan' ? 'tibetan' : 'mandarin', summary: '', content: '', suggestedDepartment: '', disposition: 'submit_for_dispatch', answerText: '', partnerLine: '', method: 'three_way', parentTicketId: '', parentTicketNo: '' };
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
  // A matter handed to a partner line or merged into another ticket is recorded, not classified for dispatch here.
  const recordOnly = d.disposition === 'transfer_emergency' || d.disposition === 'merge_into';
  if (!d.category && !recordOnly) missing.push('诉求类别');
  if (!d.summary.trim()) missing.push('摘要');
  if (!d.content.trim() && !recordOnly) missing.push('诉求内容');
  if (!d.what.trim()) missing.push('事件（什么事）');
  if (d.disposition === 'direct_answer' && !d.answerText.trim()) missing.push('答复内容');
  if (d.disposition === 'transfer_emergency' && !d.partnerLine) missing.push('联动单位');
  if (d.disposition === 'merge_into' && !d.parentTicketId) missing.push('合并到的工单');
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

/** What submitting did: the ticket, and a note when the ticket had already moved on by itself. */
export interface SubmitResult {
  ticketNo: string;
  id: string;
  note?: string;
}

/** The data of the agent's step. */
function actionData(d: IntakeDraft): Record<string, unknown> {
  switch (d.disposition) {
    case 'direct_answer':
      return { answerText: d.answerText.trim() };
    case 'transfer_emergency':
      return { partnerLine: d.partnerLine, method: d.method };
    case 'merge_into':
      return { parentTicketId: d.parentTicketId };
    default:
      return d.suggestedDepartment ? { suggestedDepartment: d.suggestedDepartment } : {};
  }
}

/** Fills the call's intake ticket with the draft and takes the agent's step; returns the ticket number. */
export async function submitIntake(callId: string, d: IntakeDraft): Promise<SubmitResult> {
  const t = await ticketOfCall(callId, 20_000);
  // A hand-off's linkage record reached the ticket first (the caller and the partner hung up before the agent
  // submitted): it is transferred_emergency already, and a finished ticket is no longer edited.
  if (t.state === 'transferred_emergency' && d.disposition === 'transfer_emergency') return { ticketNo: t.ticketNo, id: t.id, note: '联动记录已先将工单转为“已转应急”，本次填写的内容未能写入，请在工单备注中补充' };
  const elements = Object.fromEntries((['who', 'when', 'where', 'what', 'how'] as const).map((k) => [k, d[k].trim()]).filter(([, v]) => v !== ''));
  const updated = await api<TicketView>('PATCH', `/tickets/${t.id}`, {
    expectedVersion: t.version,
    ...(d.category && { category: d.category }),
    urgency: d.urgency,
    language: d.language,
    summary: d.summary.trim(),
    ...(d.content.trim() && { content: d.content.trim() }),
    ...(d.address.trim() && { address: d.address.trim() }),
    ...(d.county && { county: d.county }),
    elements,
    ...(d.suggestedDepartment && { suggestedDepartment: d.suggestedDepartment }),
    ...(d.contactNumber.trim() && { callerNumber: d.contactNumber.trim() }),
  });
  await api('POST', `/tickets/${t.id}/actions/${d.disposition}`, { expectedVersion: updated.version, data: actionData(d) });
  if (d.disposition === 'merge_into') {
    // The call (and its recording) also belongs to the ticket it was merged into.
    const linked = await api('POST', `/tickets/${d.parentTicketId}/calls`, { linkedId: callId }).then(() => true, () => false);
    if (!linked) return { ticketNo: t.ticketNo, id: t.id, note: `已合并到 ${d.parentTicketNo}，但通话未能关联到该工单` };
  }
  return { ticketNo: t.ticketNo, id: t.id };
}

/** The counties a ticket's county is chosen from, in order (GET /api/v1/tickets/counties: CTI_TICKET_COUNTIES). */
export async function loadCounties(): Promise<string[]> {
  return (await api<{ items: string[] }>('GET', '/tickets/counties')).items;
}

/** An open ticket of the same caller the intake may merge into (GET /api/v1/tickets/link-candidates). */
export interface LinkCandidate {
  id: string;
  ticketNo: string;
  state: string;
  category: string | null;
  summary: string | null;
  createdAt: string;
  deadlineStatus: string;
}

/** The open tickets of the caller of `callId` (the gateway knows the number; the desk only its masked form). */
export async function linkCandidates(callId: string): Promise<LinkCandidate[]> {
  return (await api<{ items: LinkCandidate[] }>('GET', `/tickets/link-candidates?call=${encodeURIComponent(callId)}`)).items;
}
