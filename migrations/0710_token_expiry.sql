-- Bearer tokens expire: every token gets an expiry (its role's lifetime from CTI_TOKEN_LIFETIME_DAYS when issued).
-- Tokens issued before this migration expire 90 days after it, so an upgrade never locks anyone out at once.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
UPDATE api_tokens SET expires_at = now() + interval '90 days' WHERE expires_at IS NULL;
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;
-- Who read which tickets is asked by ticket (a citizen's complaint) and by reader (an audit of one token).
CREATE INDEX audit_log_target_idx ON audit_log (target, at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);
-- An agent reads the tickets they opened or worked on (ticket_history.actor_id) or whose calls they answered.
CREATE INDEX ticket_history_actor_idx ON ticket_history (actor_id, ticket_id);
CREATE INDEX calls_agent_id_idx ON calls (agent_id);
