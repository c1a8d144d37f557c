export * from './asterisk-conf.render.js';
export * from './telephony.port.js';
export * from './ari.adapter.js';
export * from './ami.adapter.js';
export * from './trunk.monitor.js';
export * from './seat-secrets.store.js';
export * from './seat.monitor.js';
export * from './seat-phone.js';
export { AriRestError, AriUnansweredError, isAsteriskFailure } from './ari.rest.js';
