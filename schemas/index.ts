export * from './channels.js';
export * from './envelope.js';
export * from './event.js';
export { certainlyValidEvent } from './event-fast-path.js';
export * from './failure-reasons.js';
export * from './identifiers.js';
export * from './lake.js';
export * from './limits.js';
export {
  checkStructure,
  DEFAULT_LIMITS,
  describeIssues,
  eventJsonBytes,
  eventTooLarge,
  usableMessageId,
  type ValidationFailure,
  validateEvent,
} from './validate.js';
