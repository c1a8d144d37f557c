export * from './config.js';
export * from './queues.js';
export * from './ticket.settings.js';
export * from './exchange.signature.js';
