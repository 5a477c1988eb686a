/**
 * AWS Lambda entry for the collector behind an API Gateway HTTP API (payload format 2.0).
 *
 * Environment:
 *   THREADLINE_STREAM_NAME | THREADLINE_STREAM_ARN   the Kinesis stream
 *   THREADLINE_KEYSTORE=ssm + THREADLINE_SSM_PREFIX  (or THREADLINE_SOURCES_JSON for static hashes)
 *   THREADLINE_CONFIG (settings from the CDK app), THREADLINE_MAX_EVENT_AGE_DAYS, THREADLINE_MAX_FUTURE_HOURS,
 *   THREADLINE_IMPORT_MAX_AGE_DAYS, THREADLINE_RETRY_AFTER_SECONDS (see config.ts)
 *   THREADLINE_KINESIS_TIME_BUDGET_MS  retry budget for PutRecords (default 5000; with the 2 s request
 *                                      timeout the answer comes within ~7 s: keep the function timeout >= 10 s)
 *   POWERTOOLS_LOG_LEVEL; POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE as the stack sets
 *   them (defaults threadline-collector / Threadline only when unset)
 *
 * Everything is built on the first invocation and reused while the instance is warm; the SSM client
 * is only loaded when the SSM key store is configured.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createKinesisClient } from '../shared/clients/kinesis.js';
import { createLogger } from '../shared/logger.js';
import { fromApiGatewayV2, toApiGatewayV2 } from './apigw.js';
import { configFromEnv } from './config.js';
import { type Collector, type CollectorDeps, createCollector } from './core.js';
import { createKinesisWriter } from './kinesis-writer.js';
import { keyStoreFromEnv } from './sources/from-env.js';

/** PutRecords retry budget: with a 2 s request timeout the answer comes within ~7 s. */
export const DEFAULT_TIME_BUDGET_MS = 5_000;

const serviceName = (env: NodeJS.ProcessEnv) => env.POWERTOOLS_SERVICE_NAME ?? 'threadline-collector';

export type ApiGatewayV2Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** A handler over explicit dependencies (local server, tests). */
export function createHandler(deps: CollectorDeps): ApiGatewayV2Handler {
  const collect = createCollector(deps);
  return async (event) => toApiGatewayV2(await collect(fromApiGatewayV2(event)));
}

let envCollector: Promise<{ collect: Collector; metrics: Metrics }> | undefined;

async function buildFromEnv(env: NodeJS.ProcessEnv): Promise<{ collect: Collector; metrics: Metrics }> {
  const log = createLogger(serviceName(env));
  const metrics = new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'Threadline', serviceName: serviceName(env) });
  const streamName = env.THREADLINE_STREAM_NAME;
  const streamArn = env.THREADLINE_STREAM_ARN;
  if (!streamName && !streamArn) throw new Error('THREADLINE_STREAM_NAME or THREADLINE_STREAM_ARN is required');
  const budget = Number(env.THREADLINE_KINESIS_TIME_BUDGET_MS);
  const sink = createKinesisWriter({
    // Our own loop retries failed records; SDK-level retries would only eat the time budget twice.
    // Bounded socket timeouts: a hung call must not outlive the budget (last attempt <= budget + 2 s,
    // inside the 10 s function timeout). PutRecords needs no HTTP/2 (only SubscribeToShard does).
    client: createKinesisClient(
      { maxAttempts: 1, requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 2_000 }) },
      env,
    ),
    ...(streamArn ? { streamArn } : { streamName }),
    retry: { timeBudgetMs: budget > 0 ? budget : DEFAULT_TIME_BUDGET_MS },
    onRetry: (pending) => metrics.addMetric('StreamRetries', MetricUnit.Count, pending),
  });
  const collect = createCollector({
    keyStore: await keyStoreFromEnv(env),
    sink,
    config: configFromEnv(env),
    log,
    metrics: { count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value) },
  });
  return { collect, metrics };
}

export const handler: ApiGatewayV2Handler = async (event) => {
  envCollector ??= buildFromEnv(process.env).catch((err: unknown) => {
    envCollector = undefined; // let the next invocation try again (e.g. SSM throttled at cold start)
    // Configuration errors carry no personal data: log them so that a broken deployment is visible.
    createLogger(serviceName(process.env)).error('collector init failed', {
      error: err instanceof Error ? `${err.name}: ${err.message}` : 'unknown',
    });
    throw err;
  });
  let built: { collect: Collector; metrics: Metrics };
  try {
    built = await envCollector;
  } catch {
    return toApiGatewayV2({
      statusCode: 503,
      headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '5' },
      body: JSON.stringify({ success: false, error: { reason: 'service_unavailable', message: 'collector is starting; retry later' } }),
    });
  }
  try {
    return toApiGatewayV2(await built.collect(fromApiGatewayV2(event)));
  } finally {
    // Health checks and preflights record nothing: publishing then would only log a warning.
    if (built.metrics.hasStoredMetrics()) built.metrics.publishStoredMetrics();
  }
};
