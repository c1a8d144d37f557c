export * from './db.schema.js';
export * from './db.connection.js';
export * from './migration.runner.js';
export * from './call.repository.js';
export * from './ticket.repository.js';
export * from './token.repository.js';
export * from './agent.repository.js';
export * from './audit.repository.js';
