-- Call control (issue 4): the recording of each answered call, and every emergency/utility linkage.
ALTER TABLE calls ADD COLUMN recording text;

-- One row per linkage attempt with a partner line (110/119/120/122/water/power/gas/heating), keyed by the gateway's id.
CREATE TABLE linkages (
  id            text PRIMARY KEY,
  linked_id     text NOT NULL,
  partner       text NOT NULL,
  number        text NOT NULL,
  mode          text NOT NULL CHECK (mode IN ('transfer', 'three_way')),
  agent_id      text,
  trunk         text CHECK (trunk IN ('primary', 'backup')),
  dialled_at    timestamptz NOT NULL,
  answered_at   timestamptz,
  agent_left_at timestamptz,
  ended_at      timestamptz NOT NULL,
  result        text NOT NULL CHECK (result IN ('answered', 'no_answer', 'failed', 'cancelled')),
  ticket_id     bigint,
  ticket_state  text,
  stored_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX linkages_linked_id_idx ON linkages (linked_id);
CREATE INDEX linkages_dialled_at_idx ON linkages (dialled_at);
