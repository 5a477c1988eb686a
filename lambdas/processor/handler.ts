/**
 * Lambda entry: Kinesis event source with ReportBatchItemFailures. The processor (and its identity
 * cache) is created once per container and reused across invocations; so is the hash key, read from
 * Secrets Manager on the first invocation (THREADLINE_HASH_KEY_SECRET).
 *
 * POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE come from the stack; the defaults below only
 * apply when they are unset (tests, local runs).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createDynamoDbClient } from '../shared/clients/dynamodb.js';
import { createFirehoseClient } from '../shared/clients/firehose.js';
import { createLogger } from '../shared/logger.js';
import { configFromEnv, HASH_KEY_SECRET_VAR } from './config.js';
import { createSecretsManagerClient, readHashKey } from './hash-key.js';
import { createProcessor, type Processor } from './processor.js';

export type { Processor, ProcessorDeps, ProcessorStats } from './processor.js';
export { createProcessor } from './processor.js';

const SERVICE_NAME = process.env.POWERTOOLS_SERVICE_NAME ?? 'threadline-processor';
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Threadline', serviceName: SERVICE_NAME });

async function build(env: NodeJS.ProcessEnv): Promise<Processor> {
  const secretId = env[HASH_KEY_SECRET_VAR];
  const hashKey = secretId ? await readHashKey(secretId, createSecretsManagerClient({ maxAttempts: 3 }, env)) : undefined;
  return createProcessor({
    dynamo: createDynamoDbClient(),
    // Single-attempt client: the delivery loop is the one retry layer (whole-call and per-record).
    firehose: createFirehoseClient(),
    config: configFromEnv(env, hashKey),
    logger: createLogger(SERVICE_NAME),
  });
}

let processor: Promise<Processor> | undefined;

function get(): Promise<Processor> {
  // A failed start (secret unreadable, bad settings) throws this invocation, so Lambda retries the
  // batch; the next invocation builds again instead of reusing the failure.
  processor ??= build(process.env).catch((err: unknown) => {
    processor = undefined;
    throw err;
  });
  return processor;
}

export async function handler(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  const p = await get();
  const before = { ...p.stats, failed: { ...p.stats.failed }, store: { ...p.identity.stats } };
  const res = await p.handle(event);
  metrics.addMetric('RecordsIn', MetricUnit.Count, p.stats.records - before.records);
  metrics.addMetric('EventsOut', MetricUnit.Count, p.stats.events - before.events);
  metrics.addMetric('IdentityChanges', MetricUnit.Count, p.stats.identityChanges - before.identityChanges);
  metrics.addMetric('ConsentStripped', MetricUnit.Count, p.stats.consentStripped - before.consentStripped);
  metrics.addMetric('BatchItemFailures', MetricUnit.Count, res.batchItemFailures.length);
  for (const [reason, n] of Object.entries(p.stats.failed)) {
    const d = n - (before.failed[reason] ?? 0);
    if (d > 0) metrics.addMetric(`Failed_${reason}`, MetricUnit.Count, d);
  }
  metrics.addMetric('DynamoReads', MetricUnit.Count, p.identity.stats.itemsRead - before.store.itemsRead);
  metrics.addMetric('DynamoWrites', MetricUnit.Count, p.identity.stats.updateCalls - before.store.updateCalls);
  metrics.publishStoredMetrics();
  return res;
}
