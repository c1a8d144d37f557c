export * from './rota.config.js';
export * from './rota.rules.js';
export * from './rota.proposal.js';
export * from './attendance.js';
export * from './handover.js';
