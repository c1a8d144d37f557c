-- Merged hotlines as sub-lines (双号并行、设分中心, docs/domain.md §18): each local hotline merged into 12345 keeps its
-- own number (DID) ringing into this centre. The lines are data: their name, owning department, own greeting, and the
-- answer-rate target their figures are held to (NULL: the centre's target).
CREATE TABLE hotline_lines (
  did                 text PRIMARY KEY CHECK (did ~ '^[0-9]{3,20}$'),
  name                text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 64),
  department_id       text REFERENCES departments (id),
  greeting_sound      text CHECK (greeting_sound ~ '^[A-Za-z0-9_][A-Za-z0-9_/-]{0,127}$'),
  answer_rate_target  numeric(5, 4) CHECK (answer_rate_target >= 0 AND answer_rate_target <= 1),
  active              boolean NOT NULL DEFAULT true,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  updated_by          text NOT NULL
);
-- The contract's own line, so a new installation shows 12345 by name; its name and target are edited like any other.
INSERT INTO hotline_lines (did, name, updated_by) VALUES ('12345', '12345政务服务便民热线', 'migration');
