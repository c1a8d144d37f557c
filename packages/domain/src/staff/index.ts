export * from './password.policy.js';
export * from './staff.lockout.js';
export * from './staff-session.expiry.js';
export * from './sign-in-address.limit.js';
export * from './roles.js';
export * from './staff-kpi.js';
