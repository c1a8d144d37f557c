export * from './call-record.js';
export * from './phone-mask.js';
export * from './outbound-callback.js';
export * from './wait-estimate.js';
export * from './linkage-record.js';
export * from './partner-lines.js';
export * from './supervision.js';
export * from './caller-mark.js';
