-- Operations: fault incidents with their history, inspection and operations reports, database backups.

-- One fault from start to recovery (docs/domain.md §6). Ids come from the gateway (uuid) so a retried open is idempotent.
CREATE TABLE ops_incidents (
  id               text PRIMARY KEY,
  level            text NOT NULL CHECK (level IN ('L1', 'L2', 'L3', 'L4')),
  source           text NOT NULL CHECK (source IN ('detected', 'staff')),
  condition        text,
  title            text NOT NULL,
  detail           jsonb NOT NULL DEFAULT '{}'::jsonb,
  started_at       timestamptz NOT NULL,
  opened_at        timestamptz NOT NULL,
  opened_by        text,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  resolved_at      timestamptz,
  resolved_by      text,
  resolution_note  text,
  CHECK (started_at <= opened_at),
  CHECK (resolved_at IS NULL OR resolved_at >= started_at),
  CHECK (source = 'staff' OR condition IS NOT NULL)
);
-- At most one open detected incident per condition: the detector never opens a second while one lasts.
CREATE UNIQUE INDEX ops_incidents_open_condition_idx ON ops_incidents (condition) WHERE resolved_at IS NULL AND source = 'detected';
CREATE INDEX ops_incidents_started_idx ON ops_incidents (started_at);
CREATE INDEX ops_incidents_unresolved_idx ON ops_incidents (resolved_at) WHERE resolved_at IS NULL;

-- Everything that happened to an incident, in order (opened, acknowledged, resolved, notes).
CREATE TABLE ops_incident_events (
  id           bigserial PRIMARY KEY,
  incident_id  text NOT NULL REFERENCES ops_incidents (id) ON DELETE CASCADE,
  at           timestamptz NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('opened', 'acknowledged', 'resolved', 'note')),
  actor        text,
  note         text,
  data         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX ops_incident_events_incident_idx ON ops_incident_events (incident_id, at);

-- Daily inspections (巡检) and the weekly inspection / quarterly / annual operations reports built from them.
CREATE TABLE ops_inspection_reports (
  id           bigserial PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('inspection', 'weekly', 'quarterly', 'annual')),
  period_from  timestamptz NOT NULL,
  period_to    timestamptz NOT NULL,
  trigger      text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  overall      text NOT NULL CHECK (overall IN ('pass', 'warn', 'fail')),
  generated_at timestamptz NOT NULL,
  report       jsonb NOT NULL,
  text         text NOT NULL,
  html         text NOT NULL
);
CREATE INDEX ops_inspection_reports_kind_idx ON ops_inspection_reports (kind, generated_at DESC);

-- Database backups: the dump file and whether restoring it was verified.
CREATE TABLE ops_backups (
  id           bigserial PRIMARY KEY,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL,
  file         text NOT NULL,
  size_bytes   bigint NOT NULL DEFAULT 0,
  status       text NOT NULL CHECK (status IN ('ok', 'failed')),
  verified     boolean NOT NULL DEFAULT false,
  verification jsonb NOT NULL DEFAULT '{}'::jsonb,
  error        text,
  pruned_at    timestamptz
);
CREATE INDEX ops_backups_started_idx ON ops_backups (started_at DESC);
