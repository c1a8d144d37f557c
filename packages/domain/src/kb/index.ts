export * from './kb.text.js';
export * from './kb.workflow.js';
export * from './kb.suggest.js';
