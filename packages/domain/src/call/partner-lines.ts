/** The emergency services a matter can be handed to (docs/domain.md §4): police, fire, ambulance, traffic police. */
export const EMERGENCY_PARTNER_LINES = ['110', '119', '120', '122'] as const;

/** The utility hotlines a matter can be handed to: water, power, gas, heating. */
export const UTILITY_PARTNER_LINES = ['water', 'power', 'gas', 'heating'] as const;

/**
 * Every partner line (docs/domain.md §4), emergency lines first: the one-click linkage targets, the partner lines a
 * ticket can be handed to, and the SIP endpoints Asterisk gets for them (in this order, one port each).
 */
export const PARTNER_LINES = [...EMERGENCY_PARTNER_LINES, ...UTILITY_PARTNER_LINES] as const;

/** One of PARTNER_LINES. */
export type PartnerLine = (typeof PARTNER_LINES)[number];

/** One of EMERGENCY_PARTNER_LINES. */
export type EmergencyPartnerLine = (typeof EMERGENCY_PARTNER_LINES)[number];
