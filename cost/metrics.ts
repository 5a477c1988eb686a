/**
 * The CloudWatch custom metrics the Lambdas publish (Powertools EMF lines), for the cost model:
 * CloudWatch bills every distinct metric name x dimension combination as one custom metric per month,
 * whether it arrives through PutMetricData or an EMF log line. Every metric here is published with
 * one dimension set (service), so the count is the number of names. test/cdk/cost.test.ts checks the
 * lists against the handlers' addMetric / metrics.count calls so that they cannot drift apart.
 */
import { FAILURE_REASONS } from '../schemas/index.js';

/** Metric names the processor handler publishes on every invocation. */
export const PROCESSOR_METRICS = [
  'RecordsIn',
  'EventsOut',
  'IdentityChanges',
  'ConsentStripped',
  'BatchItemFailures',
  'DynamoReads',
  'DynamoWrites',
] as const;

/** The processor also publishes Failed_<reason> for each failure reason it sees (any of them can reach it). */
export const PROCESSOR_FAILURE_METRIC_PREFIX = 'Failed_';

/** Metric names the collector publishes. */
export const COLLECTOR_METRICS = ['StreamRetries', 'RequestsRefused', 'StreamWriteFailed', 'EventsAccepted', 'EventsRejected'] as const;

/** Dimension combinations per metric name (Powertools' default: the service name). */
export const DIMENSION_SETS_PER_METRIC = 1;

/** Custom metrics a deployment is billed for at most (every failure reason seen at least once a month). */
export function customMetricCount(): number {
  const names = PROCESSOR_METRICS.length + Object.keys(FAILURE_REASONS).length + COLLECTOR_METRICS.length;
  return names * DIMENSION_SETS_PER_METRIC;
}
