export * from './acd.model.js';
export * from './acd.config.js';
export { AcdEngine } from './acd.engine.js';
