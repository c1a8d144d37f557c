export * from './beijing.js';
