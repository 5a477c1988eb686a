/**
 * The Threadline stack: wires the constructs and owns the ONE mapping from resources to the
 * environment variable names the handlers read (lambdas/collector/config.ts + sources/index.ts,
 * lambdas/processor/config.ts).
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { entryPath, sourcesParameterPath, workGroupName } from '../lambdas/index.js';
import { CollectorApi } from './collector-api.js';
import type { ThreadlineConfig } from './config.js';
import { collectorEnvironment, hashKeySecret, processorFunctionProps } from './function-wiring.js';
import { IdentityTable } from './identity-table.js';
import { Lake } from './lake.js';
import { ModelsRefresh } from './models-refresh.js';
import { Observability } from './observability.js';
import { ProcessorFunction } from './processor-function.js';
import { QueryWorkgroup } from './query-workgroup.js';
import { EventStream } from './stream.js';
import { renderAthenaViews } from './views.js';

export interface ThreadlineStackProps extends StackProps {
  readonly config: ThreadlineConfig;
  /** Override handler entry points (tests, forks); defaults to the project's lambdas/. */
  readonly entries?: Partial<Record<'collector' | 'processor' | 'viewsDeployer' | 'modelsRefresh', string>>;
}

export class ThreadlineStack extends Stack {
  readonly collector: CollectorApi;
  readonly stream: EventStream;
  readonly identity: IdentityTable;
  readonly lake: Lake;
  readonly processor: ProcessorFunction;
  readonly analytics: QueryWorkgroup;
  readonly observability: Observability;
  readonly models: ModelsRefresh;
  readonly hashKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ThreadlineStackProps) {
    super(scope, id, props);
    const c = props.config;
    const entry = (name: 'collector' | 'processor' | 'viewsDeployer' | 'modelsRefresh') => props.entries?.[name] ?? entryPath(name);
    // Production keeps data when the stack goes; other stages clean up after themselves.
    const removalPolicy = c.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const sourcesPath = sourcesParameterPath(c.stage);

    this.stream = new EventStream(this, 'Stream', {
      mode: c.stream.mode,
      shardCount: c.stream.shardCount,
      retentionHours: c.retention.streamHours,
      removalPolicy,
    });

    this.identity = new IdentityTable(this, 'Identity', { production: c.production, removalPolicy });

    this.lake = new Lake(this, 'Lake', {
      stage: c.stage,
      databaseName: c.athena.database,
      encryption: c.lakeEncryption,
      retention: c.retention,
      buffering: c.buffering,
      earliestEventDate: c.eventTime.earliestDate,
      removalPolicy,
    });

    this.collector = new CollectorApi(this, 'Collector', {
      entry: entry('collector'),
      stream: this.stream.stream,
      sourcesPath,
      environment: collectorEnvironment(c, sourcesPath, this.stream.stream),
      throttling: c.collector.throttling,
      memoryMb: c.collector.memoryMb,
      timeoutSeconds: c.collector.timeoutSeconds,
      logDays: c.retention.logDays,
      removalPolicy,
    });

    // The HMAC key for e-mail/phone hashes: generated once, never in the template nor in any function's
    // environment (readable with lambda:GetFunctionConfiguration). The processor gets the secret's ARN
    // and reads the value at cold start. Losing or changing it re-keys every hash: RETAIN in production.
    this.hashKey = hashKeySecret(
      this,
      `Threadline ${c.stage}: HMAC key for e-mail and phone hashes (changing it breaks identity joins)`,
      removalPolicy,
    );

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

    this.analytics = new QueryWorkgroup(this, 'Analytics', {
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
      deliveryStreams: this.lake.deliveryStreams,
      bufferingIntervalSeconds: c.buffering.intervalSeconds,
    });

    this.models = new ModelsRefresh(this, 'Models', {
      stage: c.stage,
      lake: this.lake,
      analytics: this.analytics,
      workGroupName: workGroupName(c.stage),
      views: c.views,
      refreshEveryMinutes: c.models.refreshEveryMinutes,
      refreshLookbackDays: c.models.refreshLookbackDays,
      entry: entry('modelsRefresh'),
      logDays: c.retention.logDays,
      removalPolicy,
      dropTablesOnDelete: !c.production,
      alarmTopic: this.observability.topic,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.collector.url, description: 'Collector base URL (POST /v1/batch, /v1/track, ...)' });
    new CfnOutput(this, 'SourcesParameterPath', {
      value: sourcesPath,
      description: 'SSM path of write-key hashes (threadline keys add --stage ...)',
    });
    new CfnOutput(this, 'LakeBucketName', { value: this.lake.bucket.bucketName });
    new CfnOutput(this, 'GlueDatabase', { value: c.athena.database });
    new CfnOutput(this, 'AthenaWorkGroup', { value: workGroupName(c.stage) });
    new CfnOutput(this, 'AthenaUserPolicyArn', {
      value: this.analytics.athenaUserPolicy.managedPolicyArn,
      description: 'Attach to analysts who query the lake and save attribution runs (threadline attribution --engine athena --save)',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.processor.deadLetterQueue.queueUrl,
      description: 'Processor dead letters: threadline replay-dead-letters --queue-url <this>',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.topic.topicArn });
    new CfnOutput(this, 'ModelsRefreshFunctionName', {
      value: this.models.function.fn.functionName,
      description: 'Journey models refresh: aws lambda invoke --function-name <this> --payload \'{"full":true}\' out.json',
    });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
  }
}
