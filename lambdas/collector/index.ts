/** The HTTP collector: the runtime-independent core and its adapters (API Gateway, Kinesis, key stores). */
export * from './core.js';
export * from './envelope.js';
export * from './kinesis-writer.js';
export * from './sources/index.js';
export { createHandler, DEFAULT_TIME_BUDGET_MS, type ApiGatewayV2Handler } from './handler.js';
