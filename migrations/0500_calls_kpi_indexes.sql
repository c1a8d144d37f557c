-- The KPI figures select calls by when they entered the queue (every report, and the live figures every few
-- seconds), and the live figures read only the calls stored since their last read: without these indexes each of
-- those reads scanned the whole calls table.
CREATE INDEX calls_queued_at_idx ON calls (queued_at);
CREATE INDEX calls_recorded_at_idx ON calls (recorded_at);
