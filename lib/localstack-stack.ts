/**
 * The LocalStack profile of the stack (`-c threadline.profile=localstack`): only resource types that
 * LocalStack's Community image deploys (lib/localstack-community-resources.ts, checked by test/cdk).
 *
 * Same collector and processor code, stream, identity table, hash-key secret and dead-letter queue as
 * the AWS stack. What differs, and why:
 *   - the collector is reached through a Lambda function URL (payload format 2.0, the HTTP API's own),
 *     because API Gateway HTTP APIs are a Pro feature;
 *   - the lake is JSON files from Firehose without Parquet conversion or dynamic partitioning
 *     (lib/localstack-lake.ts), and there is no Glue database, Athena workgroup or views deployer;
 *   - no alarms or dashboard (they would watch metrics LocalStack does not emit).
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { entryPath, sourcesParameterPath } from '../lambdas/index.js';
import { acknowledge } from './acknowledge.js';
import { COLLECTOR_ACTIONS } from './collector-api.js';
import { functionSettingsEnvironment, type ThreadlineConfig } from './config.js';
import { ThreadlineFunction } from './function.js';
import { IdentityTable } from './identity-table.js';
import { IDENTITY_TABLE_DEFINITION, PROCESSOR_DYNAMODB_ACTIONS } from './identity-table-definition.js';
import { LocalStackLake } from './localstack-lake.js';
import { ProcessorFunction } from './processor-function.js';
import { EventStream } from './stream.js';

export interface ThreadlineLocalStackStackProps extends StackProps {
  readonly config: ThreadlineConfig;
  readonly entries?: Partial<Record<'collector' | 'processor', string>>;
}

export class ThreadlineLocalStackStack extends Stack {
  readonly stream: EventStream;
  readonly identity: IdentityTable;
  readonly lake: LocalStackLake;
  readonly collector: ThreadlineFunction;
  readonly collectorUrl: lambda.FunctionUrl;
  readonly processor: ProcessorFunction;
  readonly hashKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ThreadlineLocalStackStackProps) {
    super(scope, id, props);
    const c = props.config;
    const entry = (name: 'collector' | 'processor') => props.entries?.[name] ?? entryPath(name);
    // A local emulator holds nothing worth keeping.
    const removalPolicy = RemovalPolicy.DESTROY;
    const sourcesPath = sourcesParameterPath(c.stage);

    this.stream = new EventStream(this, 'Stream', {
      mode: c.stream.mode,
      shardCount: c.stream.shardCount,
      retentionHours: c.retention.streamHours,
      removalPolicy,
    });
    this.identity = new IdentityTable(this, 'Identity', { production: false, removalPolicy });
    this.lake = new LocalStackLake(this, 'Lake', { removalPolicy });

    this.collector = new ThreadlineFunction(this, 'Collector', {
      entry: entry('collector'),
      description: 'Threadline collector (LocalStack profile, function URL)',
      memoryMb: c.collector.memoryMb,
      timeout: Duration.seconds(c.collector.timeoutSeconds),
      logRetentionDays: c.retention.logDays,
      removalPolicy,
      environment: {
        THREADLINE_KEYSTORE: 'ssm',
        THREADLINE_SSM_PREFIX: sourcesPath,
        THREADLINE_STREAM_NAME: this.stream.stream.streamName,
        ...functionSettingsEnvironment(c, 'collector'),
        POWERTOOLS_SERVICE_NAME: 'threadline-collector',
        POWERTOOLS_METRICS_NAMESPACE: 'Threadline',
      },
    });
    this.collector.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'WriteStream', actions: [...COLLECTOR_ACTIONS.kinesis], resources: [this.stream.stream.streamArn] }),
    );
    this.collector.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadWriteKeyHashes',
        actions: [...COLLECTOR_ACTIONS.ssm],
        resources: [this.formatArn({ service: 'ssm', resource: 'parameter', resourceName: sourcesPath.replace(/^\//, '') })],
      }),
    );
    // Write keys are the authentication (as on the HTTP API), and the collector answers CORS itself.
    this.collectorUrl = this.collector.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    this.hashKey = new secretsmanager.Secret(this, 'HashKey', {
      description: `Threadline ${c.stage} (LocalStack): HMAC key for e-mail and phone hashes`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    acknowledge(
      this.hashKey,
      'AwsSolutions-SMG4',
      'Rotating the HMAC key would re-key every e-mail/phone hash and split every person (same reason as the AWS stack).',
    );

    const ds = this.lake.deliveryStreams;
    this.processor = new ProcessorFunction(this, 'Processor', {
      entry: entry('processor'),
      stream: this.stream.stream,
      identityTable: this.identity.table,
      identityIndexNames: IDENTITY_TABLE_DEFINITION.globalSecondaryIndexes.map((g) => g.indexName),
      dynamoDbActions: PROCESSOR_DYNAMODB_ACTIONS,
      hashKeySecret: this.hashKey,
      deliveryStreams: { events: ds.events, identityChanges: ds.identity_changes, failed: ds.failed_events },
      environment: {
        THREADLINE_EVENTS_STREAM: ds.events.ref,
        THREADLINE_IDENTITY_STREAM: ds.identity_changes.ref,
        THREADLINE_FAILED_STREAM: ds.failed_events.ref,
        THREADLINE_IDENTITY_TABLE: this.identity.table.tableName,
        THREADLINE_HASH_KEY_SECRET: this.hashKey.secretArn,
        ...functionSettingsEnvironment(c, 'processor'),
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

    new CfnOutput(this, 'ApiUrl', { value: this.collectorUrl.url, description: 'Collector base URL (POST /v1/batch, /v1/track, ...)' });
    new CfnOutput(this, 'SourcesParameterPath', { value: sourcesPath });
    new CfnOutput(this, 'LakeBucketName', { value: this.lake.bucket.bucketName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.processor.deadLetterQueue.queueUrl });
  }
}
