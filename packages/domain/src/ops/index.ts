export * from './fault-level.js';
export * from './incident.js';
export * from './fault-time.js';
export * from './fault.detector.js';
export * from './inspection.js';
export * from './ops.report.js';
