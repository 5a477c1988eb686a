/**
 * The Threadline stack: wires the constructs and owns the ONE mapping from resources to the
 * environment variable names the handlers read (lambdas/collector/config.ts + sources/index.ts,
 * lambdas/processor/config.ts).
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { Analytics } from './query-workgroup.js';
import { entryPath } from '../lambdas/index.js';
import { Collector } from './collector-api.js';
import type { ThreadlineConfig } from './config.js';
import { IdentityStore } from './identity-table.js';
import { IDENTITY_TABLE_DEFINITION, PROCESSOR_DYNAMODB_ACTIONS } from './identity-table-definition.js';
import { Lake } from './lake.js';
import { sourcesParameterPath, workGroupName } from '../lambdas/index.js';
import { applyNagSuppressions } from './nag.js';
import { Observability } from './observability.js';
import { Processor } from './processor-function.js';
import { EventStream } from './stream.js';
import { renderAthenaViews } from './views.js';

export interface ThreadlineStackProps extends StackProps {
  readonly config: ThreadlineConfig;
  /** Override handler entry points (tests, forks); defaults to the project's lambdas/. */
  readonly entries?: Partial<Record<'collector' | 'processor' | 'viewsDeployer', string>>;
}

export class ThreadlineStack extends Stack {
  readonly collector: Collector;
  readonly stream: EventStream;
  readonly identity: IdentityStore;
  readonly lake: Lake;
  readonly processor: Processor;
  readonly analytics: Analytics;
  readonly observability: Observability;
  readonly hashKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ThreadlineStackProps) {
    super(scope, id, props);
    const c = props.config;
    const entry = (name: 'collector' | 'processor' | 'viewsDeployer') => props.entries?.[name] ?? entryPath(name);
    // Production keeps data when the stack goes; other stages clean up after themselves.
    const removalPolicy = c.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const sourcesPath = sourcesParameterPath(c.stage);

    this.stream = new EventStream(this, 'Stream', {
      mode: c.stream.mode,
      shardCount: c.stream.shardCount,
      retentionHours: c.retention.streamHours,
      removalPolicy,
    });

    this.identity = new IdentityStore(this, 'Identity', { production: c.production, removalPolicy });

    this.lake = new Lake(this, 'Lake', {
      stage: c.stage,
      databaseName: c.athena.database,
      encryption: c.lakeEncryption,
      retention: c.retention,
      buffering: c.buffering,
      removalPolicy,
    });

    this.collector = new Collector(this, 'Collector', {
      entry: entry('collector'),
      stream: this.stream.stream,
      sourcesPath,
      environment: {
        THREADLINE_KEYSTORE: 'ssm',
        THREADLINE_SSM_PREFIX: sourcesPath,
        THREADLINE_STREAM_NAME: this.stream.stream.streamName,
        THREADLINE_ALLOWED_ORIGINS: c.collector.allowedOrigins.join(','),
        POWERTOOLS_SERVICE_NAME: 'threadline-collector',
        POWERTOOLS_METRICS_NAMESPACE: 'Threadline',
      },
      throttling: c.collector.throttling,
      memoryMb: c.collector.memoryMb,
      timeoutSeconds: c.collector.timeoutSeconds,
      logDays: c.retention.logDays,
      removalPolicy,
    });

    // The HMAC key for e-mail/phone hashes: generated once, never in the template. The processor
    // receives it through a CloudFormation dynamic reference resolved at deploy time, so its role needs
    // no Secrets Manager access. Losing or changing it re-keys every hash: RETAIN in production.
    this.hashKey = new secretsmanager.Secret(this, 'HashKey', {
      description: `Threadline ${c.stage}: HMAC key for e-mail and phone hashes (changing it breaks identity joins)`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });

    const ds = this.lake.deliveryStreams;
    this.processor = new Processor(this, 'Processor', {
      entry: entry('processor'),
      stream: this.stream.stream,
      identityTable: this.identity.table,
      identityIndexNames: IDENTITY_TABLE_DEFINITION.globalSecondaryIndexes.map((g) => g.indexName),
      dynamoDbActions: PROCESSOR_DYNAMODB_ACTIONS,
      deliveryStreams: { events: ds.events, identityChanges: ds.identity_changes, failed: ds.failed_events },
      environment: {
        THREADLINE_EVENTS_STREAM: ds.events.ref,
        THREADLINE_IDENTITY_STREAM: ds.identity_changes.ref,
        THREADLINE_FAILED_STREAM: ds.failed_events.ref,
        THREADLINE_IDENTITY_TABLE: this.identity.table.tableName,
        THREADLINE_HASH_KEY: this.hashKey.secretValue.unsafeUnwrap(),
        POWERTOOLS_SERVICE_NAME: 'threadline-processor',
        POWERTOOLS_METRICS_NAMESPACE: 'Threadline',
      },
      memoryMb: c.processor.memoryMb,
      timeoutSeconds: c.processor.timeoutSeconds,
      batchSize: c.processor.batchSize,
      maxBatchingWindowSeconds: c.processor.maxBatchingWindowSeconds,
      retryAttempts: c.processor.retryAttempts,
      maxRecordAgeSeconds: c.processor.maxRecordAgeSeconds,
      parallelizationFactor: c.processor.parallelizationFactor,
      logDays: c.retention.logDays,
      removalPolicy,
    });

    this.analytics = new Analytics(this, 'Analytics', {
      lake: this.lake,
      workGroupName: workGroupName(c.stage),
      bytesScannedCutoffMb: c.athena.bytesScannedCutoffMb,
      views: renderAthenaViews(c.views),
      viewsDeployerEntry: entry('viewsDeployer'),
      logDays: c.retention.logDays,
      removalPolicy,
    });

    this.observability = new Observability(this, 'Observability', {
      stage: c.stage,
      alarmEmail: c.alarmEmail,
      api: this.collector.api,
      apiStageName: '$default',
      collectorFunction: this.collector.function.fn,
      stream: this.stream.stream,
      processorFunction: this.processor.function.fn,
      deadLetterQueue: this.processor.deadLetterQueue,
      identityTable: this.identity.table,
      deliveryStreams: { events: ds.events, identity_changes: ds.identity_changes, failed_events: ds.failed_events },
      bufferingIntervalSeconds: c.buffering.intervalSeconds,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.collector.url, description: 'Collector base URL (POST /v1/batch, /v1/track, ...)' });
    new CfnOutput(this, 'SourcesParameterPath', { value: sourcesPath, description: 'SSM path of write-key hashes (threadline keys add --stage ...)' });
    new CfnOutput(this, 'LakeBucketName', { value: this.lake.bucket.bucketName });
    new CfnOutput(this, 'GlueDatabase', { value: c.athena.database });
    new CfnOutput(this, 'AthenaWorkGroup', { value: workGroupName(c.stage) });
    new CfnOutput(this, 'AthenaUserPolicyArn', {
      value: this.analytics.athenaUserPolicy.managedPolicyArn,
      description: 'Attach to analysts who query the lake and save attribution runs (threadline attribution --engine athena --save)',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });

    applyNagSuppressions(this);
  }
}
