export { DEV_STREAM_NAME, DEV_WRITE_KEY, startCollectorServer } from './collector-server.js';
export { startLocalDynamo } from './dynamodb.js';
export { startLocalFirehose } from './firehose-server.js';
export type { FirehoseSink } from './firehose-sink.js';
export { acquireInstanceLock, type InstanceLock, InstanceLockedError, liveInstanceLock, lockedMessage } from './instance-lock.js';
export { startLocalKinesis } from './kinesis.js';
export * from './paths.js';
export { type LocalPipeline, type PipelineStats, startLocalPipeline } from './pipeline.js';
