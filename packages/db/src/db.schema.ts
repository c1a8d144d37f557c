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
  offers: number;
  via_fallback: boolean;
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
  label: string;
  created_at: Generated<Date>;
  revoked_at: Timestamp | null;
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

/** The database as Kysely sees it. */
export interface Database {
  calls: CallsTable;
  tickets: TicketsTable;
  ticket_calls: TicketCallsTable;
  ticket_history: TicketHistoryTable;
  agents: AgentsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  agent_state_intervals: AgentStateIntervalsTable;
  call_offers: CallOffersTable;
  kpi_fault_windows: KpiFaultWindowsTable;
  kpi_alerts: KpiAlertsTable;
  kpi_reports: KpiReportsTable;
}
