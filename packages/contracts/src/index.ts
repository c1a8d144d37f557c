export * from './config.js';
export * from './queues.js';
