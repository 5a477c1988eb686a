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
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { entryPath, sourcesParameterPath } from '../lambdas/index.js';
import { COLLECTOR_ACTIONS } from './collector-api.js';
import type { ThreadlineConfig } from './config.js';
import { ThreadlineFunction } from './function.js';
import { collectorEnvironment, hashKeySecret, processorFunctionProps } from './function-wiring.js';
import { IdentityTable } from './identity-table.js';
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
      environment: collectorEnvironment(c, sourcesPath, this.stream.stream),
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

    this.hashKey = hashKeySecret(this, `Threadline ${c.stage} (LocalStack): HMAC key for e-mail and phone hashes`, removalPolicy);

    this.processor = new ProcessorFunction(
      this,
      'Processor',
      processorFunctionProps(c, {
        entry: entry('processor'),
        stream: this.stream.stream,
        identityTable: this.identity.table,
        hashKey: this.hashKey,
        deliveryStreams: this.lake.deliveryStreams,
        removalPolicy,
      }),
    );

    new CfnOutput(this, 'ApiUrl', { value: this.collectorUrl.url, description: 'Collector base URL (POST /v1/batch, /v1/track, ...)' });
    new CfnOutput(this, 'SourcesParameterPath', { value: sourcesPath });
    new CfnOutput(this, 'LakeBucketName', { value: this.lake.bucket.bucketName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.processor.deadLetterQueue.queueUrl });
  }
}
