export * from './call-record.js';
export * from './phone-mask.js';
