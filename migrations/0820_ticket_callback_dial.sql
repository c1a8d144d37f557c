-- Agents dial citizens from their desk (issue 15): a ticket's result callback (回访) placed by click-to-dial is stored
-- with the other outbound callbacks, as kind ticket_callback (linked_id `ticket-<id>`; the result itself is the
-- ticket's record_callback / callback_unreachable action).
ALTER TABLE outbound_callbacks DROP CONSTRAINT outbound_callbacks_kind_check;
ALTER TABLE outbound_callbacks ADD CONSTRAINT outbound_callbacks_kind_check CHECK (kind IN ('virtual_hold', 'missed_call', 'ticket_callback'));
