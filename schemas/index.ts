export * from './channels.js';
export * from './envelope.js';
export * from './event.js';
export * from './failure-reasons.js';
export * from './identifiers.js';
export * from './lake.js';
export * from './limits.js';
export { checkStructure, DEFAULT_LIMITS, describeIssues, validateEvent } from './validate.js';
