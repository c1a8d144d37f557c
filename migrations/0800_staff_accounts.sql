-- Named staff accounts for the people who work the hotline (desk, console, admin page), signing in with a password;
-- bearer tokens (api_tokens) stay for machines. Passwords are stored as scrypt hashes only (README, Security).

CREATE TABLE staff_accounts (
  id                   bigserial PRIMARY KEY,
  username             text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,31}$'),  -- stored lower-case
  display_name         text NOT NULL,
  -- The roles a person can hold; partner and department are machines' (tokens only).
  role                 text NOT NULL CHECK (role IN ('agent', 'supervisor', 'qa', 'callback', 'manager', 'admin')),
  -- The agent a person works as (their seat's ACD identity); an agent account must have one.
  agent_id             text REFERENCES agents (id),
  -- scrypt$<log2 N>$<r>$<p>$<salt base64url>$<key base64url>: the parameters travel with the hash, so they can be raised.
  password_hash        text NOT NULL,
  password_changed_at  timestamptz NOT NULL DEFAULT now(),
  -- Consecutive failed sign-ins since the last success or lockout; at CTI_STAFF_LOCKOUT_ATTEMPTS the account locks.
  failed_attempts      integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  locked_until         timestamptz,
  disabled             boolean NOT NULL DEFAULT false,
  last_login_at        timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (role <> 'agent' OR agent_id IS NOT NULL)
);
-- One person per agent identity: an agent's calls and tickets belong to exactly one account.
CREATE UNIQUE INDEX staff_accounts_agent_idx ON staff_accounts (agent_id) WHERE agent_id IS NOT NULL;

-- Signed-in sessions (cookie cti_session). Only the sha256 of the session token is stored. A session ends by logout,
-- by an admin (disable, password reset, role change), or expires: idle (last_seen_at) or absolute (created_at).
CREATE TABLE staff_sessions (
  id            bigserial PRIMARY KEY,
  staff_id      bigint NOT NULL REFERENCES staff_accounts (id),
  token_hash    text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  ended_at      timestamptz,
  end_reason    text CHECK (end_reason IN ('logout', 'idle', 'absolute', 'revoked')),
  client_ip     text,
  user_agent    text,
  CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX staff_sessions_open_idx ON staff_sessions (staff_id) WHERE ended_at IS NULL;
