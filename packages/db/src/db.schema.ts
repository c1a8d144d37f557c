import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

/** Row of `calls`: one finished inbound call, keyed by Asterisk linkedid. */
export interface CallsTable {
  linked_id: string;
  trunk: 'primary' | 'backup';
  caller_number: string;
  did: string;
  language: 'mandarin' | 'tibetan';
  arrived_at: Timestamp;
  queued_at: Timestamp | null;
  offered_at: Timestamp | null;
  answered_at: Timestamp | null;
  ended_at: Timestamp;
  agent_id: string | null;
  seat: string | null;
  outcome: 'answered' | 'abandoned' | 'failed';
  ended_by: string | null;
  /** Q.850 cause of the leg that ended the call (migration 0700). */
  hangup_cause: ColumnType<number | null, number | null | undefined, number | null>;
  offers: number;
  via_fallback: boolean;
  callback_requested_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  recorded_at: Generated<Date>;
  /** The call's recording relative to the recordings directory (migration 0300). */
  recording: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Row of `missed_call_tasks`: a citizen to call back after an abandoned call (one per number per day). */
export interface MissedCallTasksTable {
  id: Generated<string>;
  caller_number: string;
  day: ColumnType<string, string, string>;
  linked_id: string;
  state: Generated<'open' | 'dialling' | 'done' | 'failed'>;
  attempts: Generated<number>;
  result: string | null;
  agent_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** Row of `outbound_callbacks`: one callback attempt and its outcome. */
export interface OutboundCallbacksTable {
  id: string;
  kind: 'virtual_hold' | 'missed_call' | 'ticket_callback';
  linked_id: string;
  task_id: string | null;
  caller_number: string;
  requested_at: Timestamp;
  agent_id: string | null;
  dialled_at: Timestamp | null;
  answered_at: Timestamp | null;
  ended_at: Timestamp;
  trunk: string | null;
  result: 'reached' | 'unreachable' | 'agent_unavailable' | 'cancelled';
  recorded_at: Generated<Date>;
}

/** Row of `tickets`: a 12345 work order. */
export interface TicketsTable {
  id: Generated<string>;
  ticket_no: Generated<string>;
  state: string;
  category: string | null;
  urgency: Generated<string>;
  caller_number: string | null;
  language: string | null;
  summary: string | null;
  content: string | null;
  address: string | null;
  elements: ColumnType<Record<string, string>, string | undefined, string>;
  department_id: string | null;
  source_call_id: string | null;
  deadline_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  // Ticket engine (migration 0100).
  version: Generated<number>;
  source: Generated<'call' | 'manual' | 'partner'>;
  accepted_at: ColumnType<Date, Date | string | undefined, Date | string>;
  closed_at: Timestamp | null;
  suggested_department: string | null;
  co_handlers: ColumnType<string[], string | undefined, string>;
  recording_ref: string | null;
  reply_text: string | null;
  satisfaction: string | null;
  callback_attempts: Generated<number>;
  return_count: Generated<number>;
  extension_count: Generated<number>;
  reminder_count: Generated<number>;
  parent_ticket_id: string | null;
  close_reason: string | null;
  flags: ColumnType<TicketFlagsJson, string | undefined, string>;
  warning_level: Generated<'ok' | 'yellow' | 'red'>;
  schedule_dirty: Generated<boolean>;
  partner_line: string | null;
  partner_incident_no: string | null;
  partner_status: string | null;
  partner_result: string | null;
  partner_updated_at: Timestamp | null;
  created_by: string | null;
  /** The Ganzi county or county-level city chosen at intake (migration 0960; docs/domain.md §17); null on older tickets. */
  county: string | null;
}


/** The side flags of a ticket as stored in `tickets.flags`. */
export interface TicketFlagsJson {
  returnRequested: boolean;
  extensionRequested: boolean;
  dissatisfactionReviewPending: boolean;
  supervised: boolean;
}

/** Row of `departments`: a handling unit (承办单位). */
export interface DepartmentsTable {
  id: string;
  name: string;
  phone: string | null;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** Row of `calendar_days`: a public holiday or an adjusted working day (Beijing date). */
export interface CalendarDaysTable {
  day: ColumnType<string, string, string>;
  kind: 'holiday' | 'workday';
  note: string | null;
  updated_at: Generated<Date>;
}

/** Row of `callback_tasks`: one result callback (回访) round of a ticket. */
export interface CallbackTasksTable {
  id: Generated<string>;
  ticket_id: string;
  round: number;
  status: 'pending' | 'done' | 'review' | 'failed' | 'cancelled';
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  satisfaction: string | null;
  comment: string | null;
  done_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** Row of `qa_reviews`: a sampled call, its reviewer and the scored review. */
export interface QaReviewsTable {
  id: Generated<string>;
  period: string;
  call_id: string;
  agent_id: string;
  ticket_id: string | null;
  assigned_to: string;
  status: Generated<'pending' | 'done'>;
  marks: ColumnType<Record<string, number> | null, string | null | undefined, string | null>;
  score: ColumnType<string | null, number | null | undefined, number | null>;
  passed: boolean | null;
  failed_critical: ColumnType<string[] | null, string | null | undefined, string | null>;
  comments: string | null;
  reviewed_by: string | null;
  created_at: Generated<Date>;
  reviewed_at: Timestamp | null;
}

/** Row of `sms_messages`: the SMS outbox. */
export interface SmsMessagesTable {
  id: Generated<string>;
  ticket_id: string | null;
  kind: 'receipt' | 'callback_notice';
  dedupe_key: string;
  to_number: string;
  body: string;
  /** `sending`: claimed by a worker, handed to the provider; `unconfirmed`: that worker died before it knew (migration 0980). */
  status: Generated<'pending' | 'sending' | 'sent' | 'failed' | 'unconfirmed'>;
  enqueued_at: Timestamp | null;
  sent_at: Timestamp | null;
  claimed_at: Timestamp | null;
  created_at: Generated<Date>;
}

/** Row of `exchange_messages`: a ticket pushed to, or a message received from, the 110 platform. */
export interface ExchangeMessagesTable {
  id: Generated<string>;
  direction: 'outbound' | 'inbound';
  partner_line: string;
  kind: 'push' | 'ticket' | 'feedback';
  idempotency_key: string;
  ticket_id: string | null;
  status: 'pending' | 'sent' | 'failed' | 'accepted';
  attempts: Generated<number>;
  last_error: string | null;
  partner_incident_no: string | null;
  body: Json<Record<string, unknown>>;
  enqueued_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** Row of `ticket_calls`: calls linked to a ticket. */
export interface TicketCallsTable {
  ticket_id: string;
  linked_id: string;
}

/** Row of `ticket_history`: one appended state change. */
export interface TicketHistoryTable {
  id: Generated<string>;
  ticket_id: string;
  action: string;
  from_state: string | null;
  to_state: string;
  actor_role: string;
  actor_id: string | null;
  data: Json<Record<string, unknown>>;
  at: Generated<Date>;
}

/** Row of `agents`: a person who can log in to a seat. */
export interface AgentsTable {
  id: string;
  name: string;
  skills: ColumnType<Record<string, number>, string | undefined, string>;
  backup: Generated<boolean>;
  created_at: Generated<Date>;
}

/** Row of `api_tokens`: a hashed bearer token with a role. */
export interface ApiTokensTable {
  id: Generated<string>;
  token_hash: string;
  role: string;
  agent_id: string | null;
  /** The department a `department` token speaks for (migration 0600). */
  department_id: Generated<string | null>;
  label: string;
  created_at: Generated<Date>;
  revoked_at: Timestamp | null;
  /** After this the token is refused (migration 0710). */
  expires_at: Timestamp;
}

/** Row of `audit_log`: who did what sensitive thing. */
export interface AuditLogTable {
  id: Generated<string>;
  actor_role: string;
  actor_id: string | null;
  action: string;
  target: string | null;
  data: Json<Record<string, unknown>>;
  at: Generated<Date>;
}

/** Row of `agent_state_intervals`: an agent in one ACD state from started_at until ended_at (null while it lasts). */
export interface AgentStateIntervalsTable {
  id: Generated<string>;
  agent_id: string;
  seat: string | null;
  state: 'ready' | 'reserved' | 'on_call' | 'wrap_up' | 'paused' | 'logged_in_other';
  reason: string | null;
  started_at: Timestamp;
  ended_at: Timestamp | null;
}

/** Row of `call_offers`: one ring of a queued call at an agent; answered null = still ringing or caller gone. */
export interface CallOffersTable {
  call_id: string;
  agent_id: string;
  offered_at: Timestamp;
  answered: boolean | null;
  resolved_at: Timestamp | null;
}

/** Row of `kpi_fault_windows`: a declared system fault kept out of answer-rate figures. */
export interface KpiFaultWindowsTable {
  id: Generated<string>;
  from_at: Timestamp;
  to_at: Timestamp;
  reason: string;
  declared_by: string | null;
  created_at: Generated<Date>;
}

/** Row of `kpi_alerts`: an alert raised by the KPI monitor. */
export interface KpiAlertsTable {
  id: Generated<string>;
  kind: string;
  period: string;
  severity: 'warning' | 'critical';
  data: Json<Record<string, unknown>>;
  raised_at: Generated<Date>;
  updated_at: Generated<Date>;
  cleared_at: Timestamp | null;
}

/** Row of `kpi_reports`: a generated daily, weekly or monthly report. */
export interface KpiReportsTable {
  kind: 'daily' | 'weekly' | 'monthly';
  period_from: Timestamp;
  period_to: Timestamp;
  generated_at: Generated<Date>;
  html: string;
  csv: string;
  summary: Json<Record<string, unknown>>;
}

/** Row of `ops_incidents`: one fault (level L1–L4) from start to recovery, detected or staff-reported (migration 0400). */
export interface OpsIncidentsTable {
  id: string;
  level: 'L1' | 'L2' | 'L3' | 'L4';
  source: 'detected' | 'staff';
  condition: string | null;
  title: string;
  detail: Json<Record<string, unknown>>;
  started_at: Timestamp;
  opened_at: Timestamp;
  opened_by: string | null;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  resolved_at: Timestamp | null;
  resolved_by: string | null;
  resolution_note: string | null;
}

/** Row of `ops_incident_events`: one step in an incident's history. */
export interface OpsIncidentEventsTable {
  id: Generated<string>;
  incident_id: string;
  at: Timestamp;
  kind: 'opened' | 'acknowledged' | 'resolved' | 'note';
  actor: string | null;
  note: string | null;
  data: Json<Record<string, unknown>>;
}

/** Row of `ops_inspection_reports`: a daily inspection or a weekly/quarterly/annual operations report. */
export interface OpsInspectionReportsTable {
  id: Generated<string>;
  kind: 'inspection' | 'weekly' | 'quarterly' | 'annual';
  period_from: Timestamp;
  period_to: Timestamp;
  trigger: 'schedule' | 'manual';
  overall: 'pass' | 'warn' | 'fail';
  generated_at: Timestamp;
  report: Json<Record<string, unknown>>;
  text: string;
  html: string;
  /** The job that made it: one report per job (migration 0980); null for rows stored before. */
  job_key: Generated<string | null>;
}

/** Row of `ops_backups`: one database dump and its restore verification. */
export interface OpsBackupsTable {
  id: Generated<string>;
  started_at: Timestamp;
  finished_at: Timestamp;
  file: string;
  size_bytes: ColumnType<string, number | string, number | string>;
  status: 'ok' | 'failed';
  verified: boolean;
  verification: Json<Record<string, unknown>>;
  error: string | null;
  pruned_at: Timestamp | null;
  /** The job that made it: at most one `ok` backup per job (migration 0980). */
  job_key: Generated<string | null>;
}

/** The database as Kysely sees it. */
/** Row of `linkages`: one emergency/utility linkage of a call (migration 0300). */
export interface LinkagesTable {
  id: string;
  linked_id: string;
  partner: string;
  number: string;
  mode: 'transfer' | 'three_way';
  agent_id: string | null;
  trunk: 'primary' | 'backup' | null;
  dialled_at: Timestamp;
  answered_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  agent_left_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  ended_at: Timestamp;
  result: 'answered' | 'no_answer' | 'failed' | 'cancelled';
  ticket_id: string | null;
  ticket_state: string | null;
  stored_at: Generated<Date>;
}

/** Row of `staff_accounts`: a named person who signs in with a password (migration 0800). */
export interface StaffAccountsTable {
  id: Generated<string>;
  /** Lower-case sign-in name. */
  username: string;
  display_name: string;
  role: string;
  /** The agent this person works as; required for role `agent`. */
  agent_id: string | null;
  /** `scrypt$<log2 N>$<r>$<p>$<salt>$<key>` (base64url). */
  password_hash: string;
  password_changed_at: Timestamp;
  failed_attempts: Generated<number>;
  locked_until: Timestamp | null;
  disabled: Generated<boolean>;
  last_login_at: Timestamp | null;
  created_at: Generated<Date>;
}

/** Row of `staff_sessions`: a signed-in session; only the sha256 of its token is stored (migration 0800). */
export interface StaffSessionsTable {
  id: Generated<string>;
  staff_id: string;
  token_hash: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  ended_at: Timestamp | null;
  end_reason: 'logout' | 'idle' | 'absolute' | 'revoked' | null;
  client_ip: string | null;
  user_agent: string | null;
}

/** Row of `kb_articles`: a knowledge-base article (知识库条目). */
export interface KbArticlesTable {
  id: Generated<string>;
  title: string;
  body: string;
  category: string;
  department_id: string | null;
  region: string | null;
  keywords: string[];
  valid_from: ColumnType<string | null, string | null, string | null>;
  valid_until: ColumnType<string | null, string | null, string | null>;
  status: 'draft' | 'review' | 'published' | 'withdrawn';
  version: Generated<number>;
  title_text: string;
  search_text: string;
  grams: string[];
  /** Runs of the keywords and category a ticket can mention (suggestions); null for articles written before 0970 until backfilled. */
  suggest_terms: ColumnType<string[] | null, string[] | undefined, string[]>;
  use_count: Generated<number>;
  created_by: string;
  created_at: Generated<Date>;
  edited_by: string;
  updated_at: Generated<Date>;
  published_by: string | null;
  published_at: Timestamp | null;
}

/** Row of `kb_article_history`: one change of an article (a version of its text, or a workflow step). */
export interface KbArticleHistoryTable {
  id: Generated<string>;
  article_id: string;
  version: number;
  action: 'create' | 'edit' | 'submit' | 'approve' | 'reject' | 'withdraw' | 'reopen';
  status: string;
  actor: string;
  at: Generated<Date>;
  content: Json<Record<string, unknown>> | null;
  note: string | null;
}

/** Row of `kb_article_uses`: an agent marked an article as what answered a call. */
export interface KbArticleUsesTable {
  id: Generated<string>;
  article_id: string;
  agent_id: string | null;
  call_id: string | null;
  ticket_id: string | null;
  used_at: Generated<Date>;
}

/** Row of `rota_entries`: one agent working one shift on one date (排班). */
export interface RotaEntriesTable {
  agent_id: string;
  date: ColumnType<string, string, string>;
  shift: string;
  source: 'plan' | 'swap';
  updated_by: string;
  updated_at: Generated<Date>;
}

/** Row of `rota_swaps`: a shift swap asked for and decided by a shift lead (换班). */
export interface RotaSwapsTable {
  id: Generated<string>;
  agent_id: string;
  date: ColumnType<string, string, string>;
  shift: string;
  with_agent_id: string;
  with_date: ColumnType<string | null, string | null, string | null>;
  with_shift: string | null;
  reason: string;
  status: Generated<'requested' | 'approved' | 'rejected' | 'withdrawn'>;
  requested_by: string;
  requested_at: Generated<Date>;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_note: string | null;
}

/** Row of `handovers`: a shift lead's handover to the next shift (交接班). */
export interface HandoversTable {
  id: Generated<string>;
  date: ColumnType<string, string, string>;
  shift: string;
  written_by: string;
  written_at: Generated<Date>;
  items: Json<unknown[]>;
  note: string | null;
  acknowledged_by: string | null;
  acknowledged_at: Timestamp | null;
}

/** Row of `call_ratings`: a caller's rating of a call, 1–5 (来电人评价). */
export interface CallRatingsTable {
  linked_id: string;
  rating: number;
  rated_at: Timestamp;
  stored_at: Generated<Date>;
}

/** Row of `caller_marks`: a nuisance or malicious caller's mark (骚扰、恶意来电). */
export interface CallerMarksTable {
  id: Generated<string>;
  number: string;
  kind: 'nuisance' | 'malicious';
  status: ColumnType<'pending' | 'active' | 'rejected' | 'lifted' | 'expired', 'pending' | 'active' | 'rejected' | 'lifted' | 'expired' | undefined, 'pending' | 'active' | 'rejected' | 'lifted' | 'expired'>;
  flagged_by: string;
  flagged_at: Generated<Date>;
  flag_reason: string;
  flagged_call_id: string | null;
  flags: Generated<number>;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_reason: string | null;
  expires_at: Timestamp | null;
  police_referral: Generated<boolean>;
  police_note: string | null;
  lifted_by: string | null;
  lifted_at: Timestamp | null;
  lift_reason: string | null;
}

/** Row of `hotline_lines`: a hotline merged into 12345 as a sub-line with its own number (双号并行, docs/domain.md §18). */
export interface HotlineLinesTable {
  did: string;
  name: string;
  department_id: string | null;
  greeting_sound: string | null;
  /** numeric(5,4): pg returns it as a string. */
  answer_rate_target: ColumnType<string | null, number | null | undefined, number | null>;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  updated_by: string;
}

/** Row of `caller_mark_events`: one step of a caller mark. */
export interface CallerMarkEventsTable {
  id: Generated<string>;
  mark_id: string;
  action: 'flag' | 'approve' | 'reject' | 'lift' | 'expire';
  actor: string;
  at: Generated<Date>;
  note: string | null;
  call_id: string | null;
}

/** Row of `staff_members`: a person on the hotline's staff records (人员档案, docs/domain.md §19). Dates read as local midnight. */
export interface StaffMembersTable {
  id: Generated<string>;
  name: string;
  post: 'agent' | 'lead' | 'qa' | 'callback' | 'other';
  staff_id: string | null;
  joined_on: ColumnType<Date | string, string, string>;
  left_on: ColumnType<Date | string | null, string | null | undefined, string | null>;
  leave_reason: string | null;
  created_by: string;
  created_at: Generated<Date>;
  updated_by: string | null;
  updated_at: Timestamp | null;
}

/** Row of `trainings`: a training session (培训). */
export interface TrainingsTable {
  id: Generated<string>;
  held_on: ColumnType<Date | string, string, string>;
  topic: string;
  /** numeric(4,1): pg returns it as a string. */
  hours: ColumnType<string, number, number>;
  trainer: string | null;
  created_by: string;
  created_at: Generated<Date>;
}

/** Row of `training_attendees`. */
export interface TrainingAttendeesTable {
  training_id: string;
  member_id: string;
}

/** Row of `exams`: a monthly exam (考试) with its pass mark. */
export interface ExamsTable {
  id: Generated<string>;
  held_on: ColumnType<Date | string, string, string>;
  topic: string;
  pass_mark: ColumnType<string, number, number>;
  created_by: string;
  created_at: Generated<Date>;
}

/** Row of `exam_scores`: one person's sitting of an exam. */
export interface ExamScoresTable {
  exam_id: string;
  member_id: string;
  score: ColumnType<string, number, number>;
}

/** Row of `recruitment_requests`: a recruitment request (招聘需求) from opening to filling. */
export interface RecruitmentRequestsTable {
  id: Generated<string>;
  post: 'agent' | 'lead' | 'qa' | 'callback' | 'other';
  positions: number;
  reason: string;
  opened_on: ColumnType<Date | string, string, string>;
  filled_on: ColumnType<Date | string | null, string | null | undefined, string | null>;
  created_by: string;
  created_at: Generated<Date>;
  filled_by: string | null;
}

export interface Database {
  calls: CallsTable;
  missed_call_tasks: MissedCallTasksTable;
  outbound_callbacks: OutboundCallbacksTable;
  tickets: TicketsTable;
  ticket_calls: TicketCallsTable;
  ticket_history: TicketHistoryTable;
  agents: AgentsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  departments: DepartmentsTable;
  calendar_days: CalendarDaysTable;
  callback_tasks: CallbackTasksTable;
  qa_reviews: QaReviewsTable;
  sms_messages: SmsMessagesTable;
  exchange_messages: ExchangeMessagesTable;
  agent_state_intervals: AgentStateIntervalsTable;
  call_offers: CallOffersTable;
  kpi_fault_windows: KpiFaultWindowsTable;
  kpi_alerts: KpiAlertsTable;
  kpi_reports: KpiReportsTable;
  linkages: LinkagesTable;
  ops_incidents: OpsIncidentsTable;
  ops_incident_events: OpsIncidentEventsTable;
  ops_inspection_reports: OpsInspectionReportsTable;
  ops_backups: OpsBackupsTable;
  staff_accounts: StaffAccountsTable;
  staff_sessions: StaffSessionsTable;
  kb_articles: KbArticlesTable;
  kb_article_history: KbArticleHistoryTable;
  kb_article_uses: KbArticleUsesTable;
  rota_entries: RotaEntriesTable;
  rota_swaps: RotaSwapsTable;
  handovers: HandoversTable;
  call_ratings: CallRatingsTable;
  caller_marks: CallerMarksTable;
  caller_mark_events: CallerMarkEventsTable;
  staff_members: StaffMembersTable;
  trainings: TrainingsTable;
  training_attendees: TrainingAttendeesTable;
  exams: ExamsTable;
  exam_scores: ExamScoresTable;
  recruitment_requests: RecruitmentRequestsTable;
  hotline_lines: HotlineLinesTable;
}
