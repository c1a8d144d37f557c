-- Rota (排班), shift swaps (换班) and handovers (交接班); docs/domain.md §14. Shifts themselves are configuration
-- (CTI_SHIFTS_FILE): a rota entry names its shift by code, and the shift's times come from the configuration.

-- One entry per agent and date: an agent works at most one shift a day (a shift belongs to the date it starts on).
CREATE TABLE rota_entries (
  agent_id    text NOT NULL REFERENCES agents (id),
  date        date NOT NULL,
  shift       text NOT NULL CHECK (shift ~ '^[a-z][a-z0-9_-]{0,15}$'),
  -- How the entry came to be: saved from a proposal or an edit by a shift lead, or an approved swap.
  source      text NOT NULL CHECK (source IN ('plan', 'swap')),
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, date)
);
-- Who works on a date (attendance, staffing by half-hour, the month's grid).
CREATE INDEX rota_entries_date_idx ON rota_entries (date, shift);

-- A swap asked for by an agent (or entered by a shift lead) and decided by a shift lead. Either the other agent takes
-- the shift (with_date null), or the two exchange shifts (the other agent's shift on with_date).
CREATE TABLE rota_swaps (
  id             bigserial PRIMARY KEY,
  agent_id       text NOT NULL REFERENCES agents (id),
  date           date NOT NULL,
  shift          text NOT NULL,
  with_agent_id  text NOT NULL REFERENCES agents (id) CHECK (with_agent_id <> agent_id),
  with_date      date,
  with_shift     text,
  reason         text NOT NULL,
  status         text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'rejected', 'withdrawn')),
  requested_by   text NOT NULL,
  requested_at   timestamptz NOT NULL DEFAULT now(),
  decided_by     text,
  decided_at     timestamptz,
  decision_note  text,
  CHECK ((with_date IS NULL) = (with_shift IS NULL)),
  CHECK ((status = 'requested') = (decided_at IS NULL))
);
CREATE INDEX rota_swaps_requested_idx ON rota_swaps (requested_at) WHERE status = 'requested';

-- A handover from the shift lead of one shift to the next; items is a JSON list of {text, open}.
CREATE TABLE handovers (
  id               bigserial PRIMARY KEY,
  date             date NOT NULL,
  shift            text NOT NULL,
  written_by       text NOT NULL,
  written_at       timestamptz NOT NULL DEFAULT now(),
  items            jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(items) = 'array'),
  note             text,
  acknowledged_by  text,
  acknowledged_at  timestamptz,
  CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL))
);
CREATE INDEX handovers_written_idx ON handovers (written_at DESC);
