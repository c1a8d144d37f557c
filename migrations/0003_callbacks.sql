-- Virtual-hold callbacks and missed-call callbacks (漏接回拨).
ALTER TABLE calls ADD COLUMN callback_requested_at timestamptz;

-- One missed-call callback task per number per (Beijing) day, created when an abandoned caller had waited long enough.
CREATE TABLE missed_call_tasks (
  id            bigserial PRIMARY KEY,
  caller_number text NOT NULL,
  day           date NOT NULL,
  linked_id     text NOT NULL REFERENCES calls (linked_id),
  state         text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'dialling', 'done', 'failed')),
  attempts      integer NOT NULL DEFAULT 0,
  result        text,
  agent_id      text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (caller_number, day)
);
CREATE INDEX missed_call_tasks_open_idx ON missed_call_tasks (state, id);

-- Every outbound callback attempt and its outcome; reported apart from the answer rate.
CREATE TABLE outbound_callbacks (
  id            text PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('virtual_hold', 'missed_call')),
  linked_id     text NOT NULL,
  task_id       bigint REFERENCES missed_call_tasks (id),
  caller_number text NOT NULL,
  requested_at  timestamptz NOT NULL,
  agent_id      text,
  dialled_at    timestamptz,
  answered_at   timestamptz,
  ended_at      timestamptz NOT NULL,
  trunk         text,
  result        text NOT NULL CHECK (result IN ('reached', 'unreachable', 'agent_unavailable', 'cancelled')),
  recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_callbacks_linked_idx ON outbound_callbacks (linked_id);
