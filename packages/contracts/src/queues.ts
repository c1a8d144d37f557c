/** BullMQ queue carrying finished call records from the gateway to the worker. */
export const CALL_RECORDS_QUEUE = 'call-records';
