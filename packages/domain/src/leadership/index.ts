export * from './lease.policy.js';
