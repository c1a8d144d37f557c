-- KPI facts the call records do not carry, declared fault windows, answer-rate alerts and generated reports.

-- One row per stretch of time an agent spent logged in, in one ACD state; ended_at is null while it lasts.
CREATE TABLE agent_state_intervals (
  id          bigserial PRIMARY KEY,
  agent_id    text NOT NULL,
  seat        text,
  state       text NOT NULL CHECK (state IN ('ready', 'reserved', 'on_call', 'wrap_up', 'paused', 'logged_in_other')),
  reason      text,
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);
-- At most one open interval per agent: the gateway closes the previous one before opening the next.
CREATE UNIQUE INDEX agent_state_intervals_open_idx ON agent_state_intervals (agent_id) WHERE ended_at IS NULL;
CREATE INDEX agent_state_intervals_started_idx ON agent_state_intervals (started_at);
CREATE INDEX agent_state_intervals_ended_idx ON agent_state_intervals (ended_at);

-- Every ring of a queued call at an agent's seat (per-agent answer efficiency); answered is null while ringing,
-- and stays null when the caller hung up during the ring (not the agent's miss).
CREATE TABLE call_offers (
  call_id     text NOT NULL,
  agent_id    text NOT NULL,
  offered_at  timestamptz NOT NULL,
  answered    boolean,
  resolved_at timestamptz,
  PRIMARY KEY (call_id, agent_id, offered_at)
);
CREATE INDEX call_offers_offered_at_idx ON call_offers (offered_at);

-- Declared system faults: calls offered in [from_at, to_at) are left out of answer-rate figures.
CREATE TABLE kpi_fault_windows (
  id          bigserial PRIMARY KEY,
  from_at     timestamptz NOT NULL,
  to_at       timestamptz NOT NULL CHECK (to_at > from_at),
  reason      text NOT NULL,
  declared_by text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kpi_fault_windows_range_idx ON kpi_fault_windows (from_at, to_at);

-- Alerts raised by the KPI monitor; one open alert per kind and period, cleared when the figure recovers.
CREATE TABLE kpi_alerts (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL,
  period      text NOT NULL,
  severity    text NOT NULL CHECK (severity IN ('warning', 'critical')),
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  raised_at   timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  cleared_at  timestamptz
);
CREATE UNIQUE INDEX kpi_alerts_open_idx ON kpi_alerts (kind, period) WHERE cleared_at IS NULL;

-- Generated reports, one per kind and period start (regenerating replaces it).
CREATE TABLE kpi_reports (
  kind          text NOT NULL CHECK (kind IN ('daily', 'weekly', 'monthly')),
  period_from   timestamptz NOT NULL,
  period_to     timestamptz NOT NULL,
  generated_at  timestamptz NOT NULL DEFAULT now(),
  html          text NOT NULL,
  csv           text NOT NULL,
  summary       jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (kind, period_from)
);
