-- Calls, tickets and the people and tokens that act on them.
CREATE TABLE calls (
  linked_id      text PRIMARY KEY,               -- Asterisk linkedid: the idempotency key of a call record
  trunk          text NOT NULL CHECK (trunk IN ('primary', 'backup')),
  caller_number  text NOT NULL,
  did            text NOT NULL,
  language       text NOT NULL CHECK (language IN ('mandarin', 'tibetan')),
  arrived_at     timestamptz NOT NULL,
  queued_at      timestamptz,
  offered_at     timestamptz,
  answered_at    timestamptz,
  ended_at       timestamptz NOT NULL,
  agent_id       text,
  seat           text,
  outcome        text NOT NULL CHECK (outcome IN ('answered', 'abandoned', 'failed')),
  ended_by       text,
  offers         integer NOT NULL DEFAULT 0,
  via_fallback   boolean NOT NULL DEFAULT false,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calls_arrived_at_idx ON calls (arrived_at);
CREATE INDEX calls_caller_number_idx ON calls (caller_number);

CREATE SEQUENCE ticket_no_seq;

CREATE TABLE tickets (
  id              bigserial PRIMARY KEY,
  ticket_no       text NOT NULL UNIQUE DEFAULT ('GZ12345-' || lpad(nextval('ticket_no_seq')::text, 8, '0')),
  state           text NOT NULL,
  category        text,
  urgency         text NOT NULL DEFAULT 'normal',
  caller_number   text,
  language        text,
  summary         text,
  content         text,
  address         text,
  elements        jsonb NOT NULL DEFAULT '{}'::jsonb,  -- the five elements: who, when, where, what, how
  department_id   text,
  source_call_id  text UNIQUE REFERENCES calls (linked_id),  -- one ticket per call record, however often it is delivered
  deadline_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_state_idx ON tickets (state);
CREATE INDEX tickets_caller_number_idx ON tickets (caller_number);
CREATE INDEX tickets_created_at_idx ON tickets (created_at);

CREATE TABLE ticket_calls (
  ticket_id  bigint NOT NULL REFERENCES tickets (id),
  linked_id  text NOT NULL REFERENCES calls (linked_id),
  PRIMARY KEY (ticket_id, linked_id)
);

CREATE TABLE ticket_history (
  id          bigserial PRIMARY KEY,
  ticket_id   bigint NOT NULL REFERENCES tickets (id),
  action      text NOT NULL,
  from_state  text,
  to_state    text NOT NULL,
  actor_role  text NOT NULL,
  actor_id    text,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_history_ticket_idx ON ticket_history (ticket_id, id);

CREATE TABLE agents (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  skills      jsonb NOT NULL DEFAULT '{"mandarin": 5}'::jsonb,
  backup      boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
  id          bigserial PRIMARY KEY,
  token_hash  text NOT NULL UNIQUE,        -- sha256 of the bearer token; the token itself is never stored
  role        text NOT NULL CHECK (role IN ('agent', 'supervisor', 'qa', 'callback', 'manager', 'admin', 'partner')),
  agent_id    text REFERENCES agents (id),
  label       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  actor_role  text NOT NULL,
  actor_id    text,
  action      text NOT NULL,
  target      text,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  at          timestamptz NOT NULL DEFAULT now()
);
