export * from './clock.js';
export * from './time/index.js';
export * from './errors.js';
export * from './call/index.js';
export * from './acd/index.js';
export * from './ticket/index.js';
export * from './dial/index.js';
export * from './staff/index.js';
export * from './kb/index.js';
export * from './rota/index.js';
export * from './leadership/index.js';
// KPI names (AgentState intervals, satisfaction levels) overlap the ACD's and tickets' own; a namespace keeps both readable.
export * as kpi from './kpi/index.js';
export * as ops from './ops/index.js';
