export * from './config.js';
export * from './queues.js';
export * from './ticket.settings.js';
export * from './exchange.signature.js';
export { asteriskValueProblem } from './asterisk-value.schema.js';
export * from './jobs.js';
export * from './redis.options.js';
