-- Ticket engine (issue 5): lifecycle columns on tickets, departments, holiday calendar, callbacks, QA,
-- SMS outbox and the 110 exchange. Deadline warning jobs are scheduled from `schedule_dirty` by the worker.

ALTER TABLE tickets
  ADD COLUMN version             integer NOT NULL DEFAULT 1,          -- optimistic concurrency: every write bumps it
  ADD COLUMN source              text NOT NULL DEFAULT 'call' CHECK (source IN ('call', 'manual', 'partner')),
  ADD COLUMN accepted_at         timestamptz NOT NULL DEFAULT now(),  -- deadlines count from here
  ADD COLUMN closed_at           timestamptz,
  ADD COLUMN suggested_department text,
  ADD COLUMN co_handlers         jsonb NOT NULL DEFAULT '[]'::jsonb,  -- department_id is the lead department
  ADD COLUMN recording_ref       text,
  ADD COLUMN reply_text          text,
  ADD COLUMN satisfaction        text,
  ADD COLUMN callback_attempts   integer NOT NULL DEFAULT 0,
  ADD COLUMN return_count        integer NOT NULL DEFAULT 0,
  ADD COLUMN extension_count     integer NOT NULL DEFAULT 0,
  ADD COLUMN reminder_count      integer NOT NULL DEFAULT 0,
  ADD COLUMN parent_ticket_id    bigint REFERENCES tickets (id),
  ADD COLUMN close_reason        text,
  ADD COLUMN flags               jsonb NOT NULL DEFAULT '{"returnRequested":false,"extensionRequested":false,"dissatisfactionReviewPending":false,"supervised":false}'::jsonb,
  ADD COLUMN warning_level       text NOT NULL DEFAULT 'ok' CHECK (warning_level IN ('ok', 'yellow', 'red')),
  ADD COLUMN schedule_dirty      boolean NOT NULL DEFAULT true,       -- deadline jobs not yet scheduled for deadline_at
  ADD COLUMN partner_line        text,
  ADD COLUMN partner_incident_no text,
  ADD COLUMN partner_status      text,
  ADD COLUMN partner_result      text,
  ADD COLUMN partner_updated_at  timestamptz,
  ADD COLUMN created_by          text;

UPDATE tickets SET accepted_at = created_at;
CREATE INDEX tickets_open_deadline_idx ON tickets (deadline_at) WHERE state NOT IN ('direct_answered', 'transferred_emergency', 'closed', 'callback_failed', 'merged');
CREATE INDEX tickets_schedule_dirty_idx ON tickets (id) WHERE schedule_dirty;
CREATE INDEX tickets_department_idx ON tickets (department_id);
CREATE INDEX tickets_category_idx ON tickets (category);
CREATE UNIQUE INDEX tickets_partner_incident_uq ON tickets (partner_line, partner_incident_no) WHERE partner_incident_no IS NOT NULL;

-- 承办单位: handling units a ticket is dispatched to.
CREATE TABLE departments (
  id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name        text NOT NULL,
  phone       text,
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Holiday calendar as data: public holidays and adjusted working days (调休), Beijing dates.
CREATE TABLE calendar_days (
  day         date PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('holiday', 'workday')),
  note        text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- Seed: the 2026 State Council arrangement (same data as the domain's CHINA_2026_CALENDAR_DATA).
INSERT INTO calendar_days (day, kind, note)
SELECT d::date, 'holiday', 'seed 2026' FROM (
  SELECT generate_series('2026-01-01'::date, '2026-01-03'::date, interval '1 day') AS d
  UNION ALL SELECT generate_series('2026-02-15'::date, '2026-02-23'::date, interval '1 day')
  UNION ALL SELECT generate_series('2026-04-04'::date, '2026-04-06'::date, interval '1 day')
  UNION ALL SELECT generate_series('2026-05-01'::date, '2026-05-05'::date, interval '1 day')
  UNION ALL SELECT generate_series('2026-06-19'::date, '2026-06-21'::date, interval '1 day')
  UNION ALL SELECT generate_series('2026-09-25'::date, '2026-09-27'::date, interval '1 day')
  UNION ALL SELECT generate_series('2026-10-01'::date, '2026-10-07'::date, interval '1 day')
) s;
INSERT INTO calendar_days (day, kind, note) VALUES
  ('2026-01-04', 'workday', 'seed 2026'), ('2026-02-14', 'workday', 'seed 2026'), ('2026-02-28', 'workday', 'seed 2026'),
  ('2026-05-09', 'workday', 'seed 2026'), ('2026-09-20', 'workday', 'seed 2026'), ('2026-10-10', 'workday', 'seed 2026');

-- 回访: one task per callback round of a ticket.
CREATE TABLE callback_tasks (
  id               bigserial PRIMARY KEY,
  ticket_id        bigint NOT NULL REFERENCES tickets (id),
  round            integer NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'done', 'review', 'failed', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  satisfaction     text,
  comment          text,
  done_by          text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (ticket_id, round)
);
CREATE INDEX callback_tasks_status_idx ON callback_tasks (status, next_attempt_at);

-- QA: sampled calls of a month, their reviewer and the scored review.
CREATE TABLE qa_reviews (
  id           bigserial PRIMARY KEY,
  period       text NOT NULL CHECK (period ~ '^\d{4}-\d{2}$'),
  call_id      text NOT NULL REFERENCES calls (linked_id),
  agent_id     text NOT NULL,
  ticket_id    bigint REFERENCES tickets (id),
  assigned_to  text NOT NULL,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
  marks        jsonb,
  score        numeric(5, 2),
  passed       boolean,
  failed_critical jsonb,
  comments     text,
  reviewed_by  text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  reviewed_at  timestamptz,
  UNIQUE (period, call_id)
);
CREATE INDEX qa_reviews_assigned_idx ON qa_reviews (assigned_to, status);

-- SMS outbox: written in the ticket's transaction, sent by the worker through the SMS port.
CREATE TABLE sms_messages (
  id           bigserial PRIMARY KEY,
  ticket_id    bigint REFERENCES tickets (id),
  kind         text NOT NULL CHECK (kind IN ('receipt', 'callback_notice')),
  dedupe_key   text NOT NULL UNIQUE,
  to_number    text NOT NULL,
  body         text NOT NULL,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  enqueued_at  timestamptz,
  sent_at      timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_messages_unqueued_idx ON sms_messages (id) WHERE enqueued_at IS NULL;

-- 工单互派 with the 110 platform: outbound pushes (outbox) and inbound messages (replay guard).
CREATE TABLE exchange_messages (
  id               bigserial PRIMARY KEY,
  direction        text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
  partner_line     text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('push', 'ticket', 'feedback')),
  idempotency_key  text NOT NULL,
  ticket_id        bigint REFERENCES tickets (id),
  status           text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'accepted')),
  attempts         integer NOT NULL DEFAULT 0,
  last_error       text,
  partner_incident_no text,
  body             jsonb NOT NULL,
  enqueued_at      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (direction, idempotency_key)
);
CREATE INDEX exchange_messages_unqueued_idx ON exchange_messages (id) WHERE direction = 'outbound' AND enqueued_at IS NULL;

-- Tickets opened before this migration had no deadline: give open ones a conservative 3-day one (the worker
-- then schedules their warnings) so that every open ticket has a deadline.
UPDATE tickets SET deadline_at = accepted_at + interval '3 days'
 WHERE deadline_at IS NULL AND state NOT IN ('direct_answered', 'transferred_emergency', 'closed', 'callback_failed', 'merged');
