-- Staff records (人员档案) for the contract's staff KPIs (docs/domain.md §19): the people on the hotline's staff with
-- the day they joined and left, trainings with their attendees, exams with each sitting's score, recruitment
-- requests from opening to filling. Calendar days are Beijing days. Every row keeps who entered it and when.

CREATE TABLE staff_members (
  id           bigserial PRIMARY KEY,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
  -- The post held: agent (坐席), shift lead (值班长), QA (质检), callback (回访), other.
  post         text NOT NULL CHECK (post IN ('agent', 'lead', 'qa', 'callback', 'other')),
  -- Their sign-in account when they have one.
  staff_id     bigint UNIQUE REFERENCES staff_accounts (id),
  joined_on    date NOT NULL,
  -- Last working day; null while employed.
  left_on      date CHECK (left_on IS NULL OR left_on >= joined_on),
  leave_reason text,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_by   text,
  updated_at   timestamptz
);

CREATE TABLE trainings (
  id          bigserial PRIMARY KEY,
  held_on     date NOT NULL,
  topic       text NOT NULL CHECK (length(topic) BETWEEN 2 AND 200),
  hours       numeric(4, 1) NOT NULL CHECK (hours > 0 AND hours <= 24),
  trainer     text,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trainings_held_idx ON trainings (held_on);

CREATE TABLE training_attendees (
  training_id bigint NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
  member_id   bigint NOT NULL REFERENCES staff_members (id),
  PRIMARY KEY (training_id, member_id)
);

CREATE TABLE exams (
  id          bigserial PRIMARY KEY,
  held_on     date NOT NULL,
  topic       text NOT NULL CHECK (length(topic) BETWEEN 2 AND 200),
  pass_mark   numeric(5, 1) NOT NULL CHECK (pass_mark > 0 AND pass_mark <= 100),
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exams_held_idx ON exams (held_on);

CREATE TABLE exam_scores (
  exam_id    bigint NOT NULL REFERENCES exams (id) ON DELETE CASCADE,
  member_id  bigint NOT NULL REFERENCES staff_members (id),
  score      numeric(5, 1) NOT NULL CHECK (score >= 0 AND score <= 100),
  PRIMARY KEY (exam_id, member_id)
);

CREATE TABLE recruitment_requests (
  id          bigserial PRIMARY KEY,
  post        text NOT NULL CHECK (post IN ('agent', 'lead', 'qa', 'callback', 'other')),
  positions   integer NOT NULL CHECK (positions BETWEEN 1 AND 100),
  reason      text NOT NULL CHECK (length(reason) BETWEEN 2 AND 500),
  opened_on   date NOT NULL,
  -- The day the last position was filled; null while open.
  filled_on   date CHECK (filled_on IS NULL OR filled_on >= opened_on),
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  filled_by   text
);
