/**
 * How a supervisor takes part in an agent's call: monitor (hears both sides, speaks to nobody), whisper (speaks to the
 * agent only) or barge (speaks to both).
 */
export type SupervisionMode = 'monitor' | 'whisper' | 'barge';
