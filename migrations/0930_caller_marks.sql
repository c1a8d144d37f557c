-- Nuisance and malicious callers (骚扰、恶意来电): marks on numbers, flagged by agents and decided by shift leads, with
-- every step kept (docs/domain.md §16).
CREATE TABLE caller_marks (
  id               bigserial PRIMARY KEY,
  number           text NOT NULL CHECK (number ~ '^[0-9]{3,20}$'),
  kind             text NOT NULL CHECK (kind IN ('nuisance', 'malicious')),
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'rejected', 'lifted', 'expired')),
  -- The first flag: who, why, on which call. Later flags of the same open mark are events.
  flagged_by       text NOT NULL,
  flagged_at       timestamptz NOT NULL DEFAULT now(),
  flag_reason      text NOT NULL,
  flagged_call_id  text,
  flags            integer NOT NULL DEFAULT 1,
  -- The shift lead's decision: approve (until expires_at) or reject, with a reason.
  decided_by       text,
  decided_at       timestamptz,
  decision_reason  text,
  expires_at       timestamptz,
  -- Malicious disruption is referred to the police (national rules); the note says to whom and when.
  police_referral  boolean NOT NULL DEFAULT false,
  police_note      text,
  lifted_by        text,
  lifted_at        timestamptz,
  lift_reason      text,
  CHECK (status NOT IN ('active', 'lifted', 'expired') OR (decided_at IS NOT NULL AND expires_at IS NOT NULL)),
  CHECK (status <> 'lifted' OR lifted_at IS NOT NULL)
);
-- At most one open (pending or active) mark per number.
CREATE UNIQUE INDEX caller_marks_open_idx ON caller_marks (number) WHERE status IN ('pending', 'active');
-- Marks that applied to a number at some time (the answer rate's exclusion, the reports).
CREATE INDEX caller_marks_number_idx ON caller_marks (number, decided_at) WHERE decided_at IS NOT NULL;

CREATE TABLE caller_mark_events (
  id       bigserial PRIMARY KEY,
  mark_id  bigint NOT NULL REFERENCES caller_marks (id),
  action   text NOT NULL CHECK (action IN ('flag', 'approve', 'reject', 'lift', 'expire')),
  actor    text NOT NULL,
  at       timestamptz NOT NULL DEFAULT now(),
  note     text,
  call_id  text
);
CREATE INDEX caller_mark_events_mark_idx ON caller_mark_events (mark_id, id);
