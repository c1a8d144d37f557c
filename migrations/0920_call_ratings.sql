-- The caller's own rating of a call (来电人评价): pressed 1–5 after the agent ended the call (docs/domain.md §15).
-- Keyed by the call's linked id; no foreign key, because the rating and the call record travel on separate queues
-- and either may be stored first. Reports join it to calls for the agent.
CREATE TABLE call_ratings (
  linked_id  text PRIMARY KEY,
  rating     smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  rated_at   timestamptz NOT NULL,
  stored_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_ratings_rated_at_idx ON call_ratings (rated_at);
