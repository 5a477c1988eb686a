/**
 * Lambda entry: Kinesis event source with ReportBatchItemFailures. The processor (and its identity
 * cache) is created once per container and reused across invocations.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createDynamoDbClient } from '../shared/clients/dynamodb.js';
import { createFirehoseClient } from '../shared/clients/firehose.js';
import { createLogger } from '../shared/logger.js';
import { configFromEnv } from './config.js';
import { createProcessor, type Processor } from './processor.js';

export type { Processor, ProcessorDeps, ProcessorStats } from './processor.js';
export { createProcessor } from './processor.js';

let processor: Processor | undefined;
const metrics = new Metrics({ namespace: 'Threadline', serviceName: 'processor' });

function get(): Processor {
  processor ??= createProcessor({
    dynamo: createDynamoDbClient(),
    // Our own loop retries failed records; the SDK retries whole-call errors a little.
    firehose: createFirehoseClient({ maxAttempts: 3 }),
    config: configFromEnv(),
    logger: createLogger('processor'),
  });
  return processor;
}

export async function handler(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  const p = get();
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
