-- Jobs run at least once, their effects are kept once (docs/domain.md §21). BullMQ hands a job whose worker died
-- (its lock lapsed) to another worker, so a scheduled inspection, report or backup may run twice for one tick, and an
-- SMS job may run again after the message went out. What each job leaves is keyed by the job:
-- * an inspection or report stores one row per job (`job_key`, unique); a second run finds it and stores nothing;
-- * a backup keeps at most one verified file per job (unique among the `ok` rows); failed attempts stay as history;
-- * an SMS is claimed (`sending`) before it is handed to the provider; a run that finds it already claimed cannot know
--   whether the provider got it and marks it `unconfirmed` for staff instead of sending it again.
ALTER TABLE ops_inspection_reports ADD COLUMN job_key text;
CREATE UNIQUE INDEX ops_inspection_reports_job_key_idx ON ops_inspection_reports (job_key) WHERE job_key IS NOT NULL;
ALTER TABLE ops_backups ADD COLUMN job_key text;
CREATE UNIQUE INDEX ops_backups_job_key_ok_idx ON ops_backups (job_key) WHERE job_key IS NOT NULL AND status = 'ok';
ALTER TABLE sms_messages DROP CONSTRAINT sms_messages_status_check;
ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_status_check CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unconfirmed'));
ALTER TABLE sms_messages ADD COLUMN claimed_at timestamptz;
