/**
 * The Lambda adapters: the collector and processor handlers, the views deployer, the AWS client
 * factories, running one Athena query, and how each handler is bundled. The CDK app, the local
 * runtime, the query engines, the CLI and the benchmarks import them from here.
 */
export * from './bundling.js';
export * from './collector/index.js';
export * from './models-refresh/index.js';
export * from './processor/index.js';
export * from './shared/athena-query.js';
export * from './shared/batching.js';
export * from './shared/clients/dynamodb.js';
export * from './shared/clients/firehose.js';
export * from './shared/clients/kinesis.js';
export * from './shared/clients/sqs.js';
export * from './shared/clients/ssm.js';
export * from './shared/dead-letter-record.js';
export * from './shared/dead-letter-replay.js';
export * from './shared/failed-events.js';
export * from './shared/function-config.js';
export * from './shared/resource-names.js';
export { backoffDelay, sleep } from './shared/retry.js';
export * from './shared/utf8.js';
