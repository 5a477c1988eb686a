/** The HTTP collector: the runtime-independent core and its adapters (API Gateway, Kinesis, key stores). */

export { DEFAULT_COLLECTOR_CONFIG } from './config.js';
export * from './core.js';
export { responseCorsHeaders } from './cors.js';
export * from './envelope.js';
export { type ApiGatewayV2Handler, createHandler, DEFAULT_TIME_BUDGET_MS } from './handler.js';
export * from './kinesis-writer.js';
export { type Route, resolveRoute } from './routes.js';
export type { EnvelopeSink, SinkResult, StreamRecord } from './sink.js';
export * from './sources/index.js';
