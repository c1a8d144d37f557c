export * from './dial-policy.js';
