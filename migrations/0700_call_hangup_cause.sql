-- Dead legs (issue 12): the Q.850 cause with which the leg that ended the call went away, so a record says not only
-- who ended it (ended_by) but whether they hung up (16) or vanished: 44 = Asterisk heard no RTP for the configured
-- rtp_timeout, 102 = the SIP session timer expired unrefreshed (see packages/domain/src/call/call-record.ts).
ALTER TABLE calls ADD COLUMN hangup_cause integer CHECK (hangup_cause BETWEEN 0 AND 127);
