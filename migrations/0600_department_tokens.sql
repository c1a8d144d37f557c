-- Handling units (职能部门) get their own API tokens: role `department` with the department it speaks for, so a unit
-- signs for, works on and replies to its own tickets itself instead of a supervisor recording it on its behalf.
ALTER TABLE api_tokens DROP CONSTRAINT IF EXISTS api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
  CHECK (role IN ('agent', 'supervisor', 'qa', 'callback', 'manager', 'admin', 'partner', 'department'));
ALTER TABLE api_tokens ADD COLUMN department_id text REFERENCES departments (id);
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_department_check CHECK ((role = 'department') = (department_id IS NOT NULL));
