export { DEV_STREAM_NAME, startCollectorServer } from './collector-server.js';
export { startLocalDynamo } from './dynamodb.js';
export { startLocalFirehose } from './firehose-server.js';
export type { FirehoseSink } from './firehose-sink.js';
export { startLocalKinesis } from './kinesis.js';
export * from './paths.js';
export { type LocalPipeline, type PipelineStats, startLocalPipeline } from './pipeline.js';
