/**
 * The synthesized stack: resources, wiring and IAM. One full synth (with esbuild bundling and
 * cdk-nag) for the default dev configuration, plus a bundling-free synth of a production variant.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { entryPath, PROJECT_ROOT } from '../../lambdas/bundling.js';
import { sourcesParameterPath } from '../../lambdas/shared/resource-names.js';
import { COLLECTOR_ACTIONS } from '../../lib/collector-api.js';
import { LAKE_TABLE_NAMES } from '../../lib/lake.js';
import { ATHENA_USER_ACTIONS } from '../../lib/query-workgroup.js';
import { glueColumns, PARTITION_COLUMN } from '../../schemas/lake.js';
import {
  ATTRIBUTION_RESULTS_PARTITION,
  ATTRIBUTION_RESULTS_TABLE_NAME,
  attributionResultsGlueColumns,
  resultRows,
} from '../../sql/attribution-results-table.js';
import { renderViews } from '../../sql/render.js';
import {
  actionsOf,
  allPolicyActions,
  logicalIdOf,
  resourcesOfType,
  type Statement,
  type Synthesized,
  sdkActionsUsedBy,
  statementsOfRole,
  synth,
} from './helpers.js';

let dev: Synthesized;
let prod: Synthesized;

beforeAll(() => {
  dev = synth({}, { nag: true });
  // The production variant is also checked by cdk-nag (KMS key, provisioned stream, e-mail subscription);
  // CDK's CloudFormation schema validation already ran on the dev synth above.
  process.env.CDK_VALIDATION = 'false';
  prod = synth(
    {
      stage: 'prod',
      alarmEmail: 'ops@example.com',
      stream: { mode: 'provisioned', shardCount: 4 },
      buffering: { sizeMb: 64, intervalSeconds: 900 },
      lakeEncryption: 'kms',
      retention: { lakeDays: 400 },
    },
    { bundle: false, nag: true },
  );
  delete process.env.CDK_VALIDATION;
});

const fnId = (s: Synthesized, which: 'collector' | 'processor' | 'views') => {
  const f =
    which === 'collector' ? s.stack.collector.function : which === 'processor' ? s.stack.processor.function : s.stack.analytics.deployer;
  return { fn: logicalIdOf(s.stack, f.fn), role: logicalIdOf(s.stack, f.role) };
};

describe('synthesis', () => {
  it('passes cdk-nag AwsSolutions with every finding acknowledged by its construct (dev and prod/KMS/provisioned)', () => {
    expect(dev.synthError).toBeUndefined();
    expect(prod.synthError).toBeUndefined();
    const reportPath = join(dev.outdir, 'validation-report.json');
    if (existsSync(reportPath)) {
      const report = JSON.parse(readFileSync(reportPath, 'utf8')) as { pluginReports: { pluginName: string; violations: unknown[] }[] };
      for (const p of report.pluginReports)
        expect({ plugin: p.pluginName, violations: p.violations }).toEqual({ plugin: p.pluginName, violations: [] });
    }
  });

  it('bundles the four handlers with esbuild into ESM assets (never Docker)', () => {
    const fns = resourcesOfType(dev.json, 'AWS::Lambda::Function').filter(([, r]) => r.Properties?.Runtime === 'nodejs22.x');
    expect(fns).toHaveLength(4); // collector, processor, views deployer, models refresh
    for (const [, r] of fns) {
      expect(r.Properties!.Architectures).toEqual(['arm64']);
      expect(r.Properties!.Handler).toBe('index.handler');
    }
    const assets = JSON.parse(readFileSync(join(dev.outdir, `${dev.stack.artifactId}.assets.json`), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    const bundles = Object.values(assets.files)
      .map((f) => join(dev.outdir, f.source.path, 'index.mjs'))
      .filter((p) => existsSync(p));
    expect(bundles).toHaveLength(4);
    for (const b of bundles) expect(readFileSync(b, 'utf8')).toMatch(/createRequire/);
  });
});

describe('collector', () => {
  it('routes POST /v1/{proxy+}, OPTIONS /v1/{proxy+} and GET /health to the collector Lambda', () => {
    const routes = resourcesOfType(dev.json, 'AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties!.RouteKey)
      .sort();
    expect(routes).toEqual(['GET /health', 'OPTIONS /v1/{proxy+}', 'POST /v1/{proxy+}']);
    const integrations = resourcesOfType(dev.json, 'AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(1);
    expect(JSON.stringify(integrations[0]![1].Properties!.IntegrationUri)).toContain(fnId(dev, 'collector').fn);
    expect(integrations[0]![1].Properties!.PayloadFormatVersion).toBe('2.0');
  });

  it('throttles the $default stage from the configuration and logs no client IP', () => {
    dev.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 2000, ThrottlingBurstLimit: 5000 },
    });
    const stage = resourcesOfType(dev.json, 'AWS::ApiGatewayV2::Stage')[0]![1];
    const format = stage.Properties!.AccessLogSettings.Format as string;
    expect(format).toContain('$context.status');
    expect(format).not.toMatch(/sourceIp|userAgent|identity/);
  });

  it('reads its key store from SSM under /threadline/<stage>/sources and writes the stream by name', () => {
    const fn = dev.json.Resources[fnId(dev, 'collector').fn]!;
    const env = fn.Properties!.Environment.Variables;
    expect(env.THREADLINE_KEYSTORE).toBe('ssm');
    expect(env.THREADLINE_SSM_PREFIX).toBe(sourcesParameterPath('dev'));
    expect(env.THREADLINE_STREAM_NAME).toEqual({ Ref: logicalIdOf(dev.stack, dev.stack.stream.stream) });
    expect(JSON.parse(env.THREADLINE_CONFIG)).toMatchObject({ allowedOrigins: ['*'] });
  });
});

describe('stream and processor', () => {
  it('stream is on-demand and encrypted by default, provisioned with the configured shards when asked', () => {
    dev.template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      RetentionPeriodHours: 24,
    });
    prod.template.hasResourceProperties('AWS::Kinesis::Stream', { StreamModeDetails: { StreamMode: 'PROVISIONED' }, ShardCount: 4 });
  });

  it('event source: batching, bisect, bounded retries, max age, partial batch responses, SQS on-failure', () => {
    const [, esm] = resourcesOfType(dev.json, 'AWS::Lambda::EventSourceMapping')[0]!;
    expect(esm.Properties).toMatchObject({
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 21600,
      ParallelizationFactor: 4,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'TRIM_HORIZON',
      FunctionName: { Ref: fnId(dev, 'processor').fn },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(dev.stack, dev.stack.stream.stream), 'Arn'] },
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(dev.stack, dev.stack.processor.deadLetterQueue), 'Arn'] } },
      },
    });
  });

  it('processor environment names the three delivery streams, the table and the hash key secret (never its value)', () => {
    const env = dev.json.Resources[fnId(dev, 'processor').fn]!.Properties!.Environment.Variables;
    const ds = dev.stack.lake.deliveryStreams;
    expect(env.THREADLINE_EVENTS_STREAM).toEqual({ Ref: logicalIdOf(dev.stack, ds.events) });
    expect(env.THREADLINE_IDENTITY_STREAM).toEqual({ Ref: logicalIdOf(dev.stack, ds.identity_changes) });
    expect(env.THREADLINE_FAILED_STREAM).toEqual({ Ref: logicalIdOf(dev.stack, ds.failed_events) });
    expect(env.THREADLINE_IDENTITY_TABLE).toEqual({ Ref: logicalIdOf(dev.stack, dev.stack.identity.table) });
    // The secret's ARN only: the function reads the value at cold start (a dynamic reference would put
    // the value in the environment, readable with lambda:GetFunctionConfiguration).
    expect(env.THREADLINE_HASH_KEY_SECRET).toEqual({ Ref: logicalIdOf(dev.stack, dev.stack.hashKey) });
    expect(env.THREADLINE_HASH_KEY).toBeUndefined();
    for (const [, fn] of resourcesOfType(dev.json, 'AWS::Lambda::Function'))
      expect(JSON.stringify(fn.Properties?.Environment ?? {})).not.toContain('resolve:secretsmanager');
  });

  it('identity table: on-demand, PITR, key from the processor definition; deletion protection only in prod', () => {
    dev.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: false }),
      ],
    });
    prod.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })],
    });
    prod.template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    dev.template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
  });
});

describe('lake', () => {
  it('bucket: encrypted, public access blocked, TLS only, lifecycle rules, retained on teardown', () => {
    const lake = logicalIdOf(dev.stack, dev.stack.lake.bucket);
    dev.template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      }),
    });
    const rules = dev.json.Resources[lake]!.Properties!.LifecycleConfiguration.Rules as {
      Id: string;
      Prefix?: string;
      ExpirationInDays?: number;
    }[];
    expect(Object.fromEntries(rules.filter((r) => r.ExpirationInDays).map((r) => [r.Prefix, r.ExpirationInDays]))).toEqual({
      'failed_events/': 90,
      'processing-failed/': 30,
      'athena-results/': 7,
    });
    const prodRules = prod.json.Resources[logicalIdOf(prod.stack, prod.stack.lake.bucket)]!.Properties!.LifecycleConfiguration.Rules as {
      Prefix?: string;
      ExpirationInDays?: number;
    }[];
    expect(prodRules.find((r) => r.Prefix === 'events/')?.ExpirationInDays).toBe(400);
    const policy = resourcesOfType(dev.json, 'AWS::S3::BucketPolicy').find(([, r]) => r.Properties!.Bucket.Ref === lake)![1];
    expect(policy.Properties!.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    prod.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
    });
  });

  it('Glue tables carry exactly the contract columns, the event_date partition and partition projection', () => {
    const all = resourcesOfType(dev.json, 'AWS::Glue::Table');
    expect(all.map(([, r]) => r.Properties!.TableInput.Name).sort()).toEqual([...LAKE_TABLE_NAMES, ATTRIBUTION_RESULTS_TABLE_NAME].sort());
    const tables = all.filter(([, r]) => r.Properties!.TableInput.Name !== ATTRIBUTION_RESULTS_TABLE_NAME);
    for (const [, r] of tables) {
      const input = r.Properties!.TableInput;
      const name = input.Name as (typeof LAKE_TABLE_NAMES)[number];
      expect(input.StorageDescriptor.Columns).toEqual(glueColumns(name).map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment })));
      expect(input.PartitionKeys).toEqual([{ Name: PARTITION_COLUMN.name, Type: 'string', Comment: PARTITION_COLUMN.doc }]);
      expect(input.Parameters['projection.enabled']).toBe('true');
      expect(input.Parameters['projection.event_date.type']).toBe('date');
      expect(JSON.stringify(input.Parameters['storage.location.template'])).toContain(`/${name}/event_date=\${event_date}/`);
      expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    }
  });

  it('attribution_results: the attribution contract columns, run_date projection, location under the lake bucket', () => {
    const [id, r] = resourcesOfType(dev.json, 'AWS::Glue::Table').find(([, x]) => x.Properties!.TableInput.Name === 'attribution_results')!;
    expect(id).toBe(logicalIdOf(dev.stack, dev.stack.lake.attributionResults));
    const input = r.Properties!.TableInput;
    const bucket = { Ref: logicalIdOf(dev.stack, dev.stack.lake.bucket) };
    expect(r.Properties!.DatabaseName).toBe('threadline_dev');
    expect(input.TableType).toBe('EXTERNAL_TABLE');
    expect(input.StorageDescriptor.Columns).toEqual(
      attributionResultsGlueColumns().map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment })),
    );
    // Hand-checked against the contract: 11 columns, run_id first, computed_at a timestamp.
    expect(input.StorageDescriptor.Columns).toHaveLength(11);
    expect(input.StorageDescriptor.Columns[10]).toMatchObject({ Name: 'computed_at', Type: 'timestamp' });
    expect(input.PartitionKeys).toEqual([{ Name: 'run_date', Type: 'string', Comment: ATTRIBUTION_RESULTS_PARTITION.doc }]);
    expect(input.Parameters).toEqual({
      classification: 'parquet',
      EXTERNAL: 'TRUE',
      'parquet.compression': 'SNAPPY',
      'projection.enabled': 'true',
      'projection.run_date.type': 'date',
      'projection.run_date.format': 'yyyy-MM-dd',
      'projection.run_date.range': '2024-01-01,NOW+1DAYS',
      'projection.run_date.interval': '1',
      'projection.run_date.interval.unit': 'DAYS',
      'storage.location.template': { 'Fn::Join': ['', ['s3://', bucket, '/attribution_results/run_date=${run_date}/']] },
    });
    expect(input.StorageDescriptor).toMatchObject({
      Location: { 'Fn::Join': ['', ['s3://', bucket, '/attribution_results/']] },
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    });
    // The run date the CLI writes (resultRows) is a value this projection enumerates (yyyy-MM-dd).
    const [row] = resultRows(
      [{ model: 'linear', total_conversions: 1, channels: [{ channel: 'email', conversions: 1, value: 10 }] }] as never,
      {
        runId: 'r1',
        computedAt: new Date('2026-11-29T06:00:00Z'),
        order: 1,
        convertingOnly: false,
        source: 'test',
      },
    );
    expect(row!.run_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // No Firehose delivers into it and no lifecycle rule expires it.
    const rules = dev.json.Resources[logicalIdOf(dev.stack, dev.stack.lake.bucket)]!.Properties!.LifecycleConfiguration.Rules as {
      Prefix?: string;
    }[];
    expect(rules.map((x) => x.Prefix)).not.toContain('attribution_results/');
  });

  it('three Firehose streams convert JSON (OpenX) to Parquet against their table, partitioned by .event_date', () => {
    const streams = resourcesOfType(dev.json, 'AWS::KinesisFirehose::DeliveryStream');
    expect(streams).toHaveLength(3);
    const seen = new Set<string>();
    for (const [, r] of streams) {
      const p = r.Properties!;
      expect(p.DeliveryStreamType).toBe('DirectPut');
      expect(p.DeliveryStreamEncryptionConfigurationInput).toEqual({ KeyType: 'AWS_OWNED_CMK' });
      const d = p.ExtendedS3DestinationConfiguration;
      const table = d.DataFormatConversionConfiguration.SchemaConfiguration.TableName as string;
      seen.add(table);
      expect(d.Prefix).toBe(`${table}/event_date=!{partitionKeyFromQuery:event_date}/`);
      expect(d.ErrorOutputPrefix).toMatch(new RegExp(`^processing-failed/${table}/!\\{firehose:error-output-type\\}/`));
      expect(d.BufferingHints).toEqual({ SizeInMBs: 128, IntervalInSeconds: 300 });
      expect(d.CompressionFormat).toBe('UNCOMPRESSED');
      expect(d.DataFormatConversionConfiguration).toMatchObject({
        Enabled: true,
        InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
        OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
      });
      expect(d.DynamicPartitioningConfiguration.Enabled).toBe(true);
      expect(d.ProcessingConfiguration.Processors[0]).toEqual({
        Type: 'RecordDeAggregation',
        Parameters: [{ ParameterName: 'SubRecordType', ParameterValue: 'JSON' }],
      });
      expect(d.ProcessingConfiguration.Processors).toContainEqual({
        Type: 'MetadataExtraction',
        Parameters: [
          { ParameterName: 'MetadataExtractionQuery', ParameterValue: '{event_date: .event_date}' },
          { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
        ],
      });
    }
    expect([...seen].sort()).toEqual([...LAKE_TABLE_NAMES].sort());
    for (const [, r] of resourcesOfType(prod.json, 'AWS::KinesisFirehose::DeliveryStream')) {
      expect(r.Properties!.ExtendedS3DestinationConfiguration.BufferingHints).toEqual({ SizeInMBs: 64, IntervalInSeconds: 900 });
    }
  });
});

describe('analytics', () => {
  it('workgroup enforces the result location and the bytes-scanned cutoff', () => {
    dev.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'threadline-dev',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 * 1024 * 1024,
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } }),
      }),
    });
  });

  it('one view resource per rendered Athena view, chained in dependency order, carrying the rendered DDL', () => {
    const expected = renderViews('athena', dev.stack.node.tryGetContext('x') ?? {});
    const views = resourcesOfType(dev.json, 'Custom::ThreadlineAthenaView');
    expect(views).toHaveLength(expected.length);
    const byName = new Map(views.map(([id, r]) => [r.Properties!.ViewName as string, { id, r }]));
    let previousId: string | undefined;
    for (const v of expected) {
      const entry = byName.get(v.name)!;
      expect(entry.r.Properties).toMatchObject({ Statement: v.sql, Database: 'threadline_dev', WorkGroup: 'threadline-dev' });
      const deps = ([] as string[]).concat(entry.r.DependsOn ?? []);
      if (previousId) expect(deps).toContain(previousId);
      for (const t of dev.stack.lake.tables ? Object.values(dev.stack.lake.tables) : []) expect(deps).toContain(logicalIdOf(dev.stack, t));
      previousId = entry.id;
    }
  });
});

describe('observability', () => {
  const metricsOf = (s: Synthesized) =>
    resourcesOfType(s.json, 'AWS::CloudWatch::Alarm').map(([, r]) => {
      const p = r.Properties!;
      return (
        p.MetricName ??
        (p.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[])
          .flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []))
          .join('+')
      );
    });

  it('alarms cover collector 4xx/5xx/latency, Kinesis age and throttles, processor errors and DLQ, Firehose, DynamoDB', () => {
    const names = metricsOf(dev);
    for (const m of [
      'Count+4xx',
      '5xx',
      'Latency',
      'GetRecords.IteratorAgeMilliseconds',
      'PutRecords.ThrottledRecords',
      'Errors',
      'ApproximateNumberOfMessagesVisible',
      'ReadThrottleEvents+WriteThrottleEvents',
    ]) {
      expect(names).toContain(m);
    }
    expect(names.filter((n) => n === 'DeliveryToS3.DataFreshness')).toHaveLength(3);
    expect(names.filter((n) => n === 'FailedConversion.Records')).toHaveLength(3);
    // Every alarm notifies the topic.
    const topic = logicalIdOf(dev.stack, dev.stack.observability.topic);
    for (const [, r] of resourcesOfType(dev.json, 'AWS::CloudWatch::Alarm')) expect(r.Properties!.AlarmActions).toEqual([{ Ref: topic }]);
    dev.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('freshness threshold follows the buffering interval; e-mail subscription only when configured', () => {
    const freshness = (s: Synthesized) =>
      resourcesOfType(s.json, 'AWS::CloudWatch::Alarm').find(([, r]) => r.Properties!.MetricName === 'DeliveryToS3.DataFreshness')![1]
        .Properties!.Threshold;
    expect(freshness(dev)).toBe(300 + 900);
    expect(freshness(prod)).toBe(900 + 900);
    dev.template.resourceCountIs('AWS::SNS::Subscription', 0);
    prod.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});

describe('IAM', () => {
  it('no policy anywhere ALLOWS a wildcard action; the only wildcard Denies are TLS-only guards', () => {
    for (const s of [dev, prod]) {
      const all = allPolicyActions(s.json);
      // The one exception: a customer-managed key's default policy lets the ACCOUNT (root) use IAM to
      // delegate it (kms:*); it grants nothing to any function by itself. Nothing else may be wildcard.
      const isKeyPolicy = (where: string) => s.json.Resources[where]?.Type === 'AWS::KMS::Key';
      expect(all.filter((a) => a.effect === 'Allow' && a.action.includes('*') && !(isKeyPolicy(a.where) && a.action === 'kms:*'))).toEqual(
        [],
      );
      // enforceSSL: Deny s3:* / sqs:* / sns:* when aws:SecureTransport is false.
      expect(
        all
          .filter((a) => a.effect === 'Deny')
          .map((a) => a.action)
          .sort(),
      ).toEqual(['s3:*', 's3:*', 'sns:Publish', 'sqs:*'].sort());
    }
  });

  it('collector role: its log group, PutRecords on the stream, GetParametersByPath on its SSM path only', () => {
    const st = statementsOfRole(dev.json, fnId(dev, 'collector').role);
    expect(actionsOf(st)).toEqual(['kinesis:PutRecords', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParametersByPath']);
    const ssm = st.find((s) => s.Action === 'ssm:GetParametersByPath')!;
    expect(JSON.stringify(ssm.Resource)).toContain(':parameter/threadline/dev/sources"');
    const kin = st.find((s) => s.Action === 'kinesis:PutRecords')!;
    expect(kin.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(dev.stack, dev.stack.stream.stream), 'Arn'] });
  });

  it('processor role: exactly what its code calls + what the event source mapping and DLQ need', () => {
    const st = statementsOfRole(dev.json, fnId(dev, 'processor').role);
    expect(actionsOf(st)).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'firehose:PutRecordBatch',
        // Lambda's Kinesis poller runs with the function role:
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamConsumer',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
        'kinesis:ListStreams',
        'kinesis:SubscribeToShard',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        // the hash key, read at cold start:
        'secretsmanager:GetSecretValue',
        // on-failure destination:
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    // Secrets Manager: the hash key secret and nothing else.
    const secretStatements = st.filter((s) => actionsOf([s]).some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements.map((s) => s.Resource)).toEqual([{ Ref: logicalIdOf(dev.stack, dev.stack.hashKey) }]);
  });

  it('the actions granted for code match the SDK commands found in each handler bundle', async () => {
    const used = async (entry: string, exclude: RegExp = /$^/) => {
      const byFile = await sdkActionsUsedBy(entry);
      return [...byFile]
        .filter(([f]) => !exclude.test(f))
        .flatMap(([, a]) => [...a])
        .sort();
    };
    const granted = (which: 'collector' | 'processor') =>
      actionsOf(statementsOfRole(dev.json, fnId(dev, which).role)).filter(
        (a) => /^(dynamodb|firehose|ssm|athena|s3|secretsmanager):/.test(a) || a === 'kinesis:PutRecords',
      );
    // ssm-store.ts also implements add/revoke (PutParameter, DeleteParameter) for `threadline keys`;
    // the Lambda only ever looks keys up, so those two are not granted to it.
    const collectorUsed = (await used(entryPath('collector'))).filter((a) => a !== 'ssm:PutParameter' && a !== 'ssm:DeleteParameter');
    expect([...new Set(collectorUsed)].sort()).toEqual(granted('collector'));
    expect([...new Set(collectorUsed)].sort()).toEqual([...COLLECTOR_ACTIONS.kinesis, ...COLLECTOR_ACTIONS.ssm].sort());
    expect([...new Set(await used(entryPath('processor')))].sort()).toEqual(granted('processor'));
    const viewsRole = actionsOf(statementsOfRole(dev.json, fnId(dev, 'views').role)).filter((a) => a.startsWith('athena:'));
    expect([...new Set(await used(entryPath('viewsDeployer')))].sort()).toEqual(viewsRole);
  });

  it('each Firehose role may write only its own table prefix and read only its own Glue table', () => {
    for (const t of LAKE_TABLE_NAMES) {
      const roleId = resourcesOfType(dev.json, 'AWS::IAM::Role').find(([id]) =>
        id.startsWith(`LakeFirehoseRole${t.replace(/_/g, '')}`),
      )![0];
      const st = statementsOfRole(dev.json, roleId);
      expect(actionsOf(st)).toEqual(
        [
          'glue:GetTable',
          'glue:GetTableVersion',
          'glue:GetTableVersions',
          'logs:PutLogEvents',
          's3:AbortMultipartUpload',
          's3:GetBucketLocation',
          's3:GetObject',
          's3:ListBucket',
          's3:ListBucketMultipartUploads',
          's3:PutObject',
        ].sort(),
      );
      const objects = JSON.stringify(st.find((s) => s.Sid === 'LakeObjects')!.Resource);
      expect(objects).toContain(`/${t}/*`);
      expect(objects).toContain(`/processing-failed/${t}/*`);
      for (const other of LAKE_TABLE_NAMES.filter((o) => o !== t)) expect(objects).not.toContain(`"/${other}/*`);
    }
  });

  it('Athena user policy: attached to nobody, exactly the documented actions, writes only results and attribution runs', async () => {
    const policyId = logicalIdOf(dev.stack, dev.stack.analytics.athenaUserPolicy);
    const policy = dev.json.Resources[policyId]!;
    expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
    // Granted to whoever an administrator attaches it to (docs/deploy.md), never by the stack.
    expect(policy.Properties!.Roles ?? []).toEqual([]);
    expect(policy.Properties!.Users ?? []).toEqual([]);
    expect(policy.Properties!.Groups ?? []).toEqual([]);
    expect(dev.json.Outputs!.AthenaUserPolicyArn.Value).toEqual({ Ref: policyId });
    const st = policy.Properties!.PolicyDocument.Statement as Statement[];
    const bySid = (sid: string) => st.find((x) => x.Sid === sid)!;
    expect(actionsOf(st)).toEqual([...new Set(Object.values(ATHENA_USER_ACTIONS).flat())].sort());
    // The Athena calls are the ones the CLI's Athena engine makes.
    const engine = [...(await sdkActionsUsedBy(join(PROJECT_ROOT, 'query', 'athena.ts'))).values()].flatMap((a) => [...a]);
    expect([...new Set(engine)].sort()).toEqual([...ATHENA_USER_ACTIONS.athena]);
    // Partition registration (INSERT INTO) only on attribution_results, not on the lake tables.
    const partitions = JSON.stringify(bySid('SaveAttributionPartitions').Resource);
    expect(partitions).toContain(':table/threadline_dev/attribution_results"');
    for (const t of LAKE_TABLE_NAMES) expect(partitions).not.toContain(`/threadline_dev/${t}"`);
    // Object writes: the workgroup's result prefix and the attribution_results prefix, nothing else.
    const writes = bySid('WriteResultsAndRuns');
    expect(actionsOf([writes])).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject']);
    expect(
      JSON.stringify(writes.Resource)
        .match(/"\/[a-z_-]+\/\*"/g)!
        .sort(),
    ).toEqual(['"/athena-results/*"', '"/attribution_results/*"']);
    const putAnywhere = st.filter((x) => actionsOf([x]).includes('s3:PutObject'));
    expect(putAnywhere.map((x) => x.Sid)).toEqual(['WriteResultsAndRuns']);
    // Catalog reads cover every view the stack deploys.
    const reads = JSON.stringify(bySid('ReadCatalog').Resource);
    for (const v of resourcesOfType(dev.json, 'Custom::ThreadlineAthenaView'))
      expect(reads).toContain(`/threadline_dev/${v[1].Properties!.ViewName}"`);
    // KMS only when the lake has a key.
    expect(st.some((x) => x.Sid === 'LakeKey')).toBe(false);
    const prodPolicy = prod.json.Resources[logicalIdOf(prod.stack, prod.stack.analytics.athenaUserPolicy)]!;
    expect((prodPolicy.Properties!.PolicyDocument.Statement as Statement[]).find((x) => x.Sid === 'LakeKey')!.Action).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]);
  });

  it('no Lambda or Firehose role can write attribution_results or register partitions (the CLI user does)', () => {
    for (const [roleId] of resourcesOfType(dev.json, 'AWS::IAM::Role')) {
      const st = statementsOfRole(dev.json, roleId);
      expect({ roleId, partitions: actionsOf(st).filter((a) => /Partition/.test(a)) }).toEqual({ roleId, partitions: [] });
      expect({ roleId, writes: JSON.stringify(st.map((x) => x.Resource)).includes('attribution_results') }).toEqual({
        roleId,
        writes: false,
      });
    }
  });

  it('KMS variant grants the key to Firehose and the views deployer (explicit actions)', () => {
    const all = allPolicyActions(prod.json).map((a) => a.action);
    expect(all).toContain('kms:GenerateDataKey');
    expect(all).toContain('kms:Decrypt');
  });
});

describe('outputs', () => {
  it('exports the API URL, the key path and the query endpoints', () => {
    expect(Object.keys(dev.json.Outputs ?? {}).sort()).toEqual(
      [
        'AlarmTopicArn',
        'AthenaUserPolicyArn',
        'AthenaWorkGroup',
        'DashboardName',
        'DeadLetterQueueUrl',
        'GlueDatabase',
        'LakeBucketName',
        'ModelsRefreshFunctionName',
        'SourcesParameterPath',
        'ApiUrl',
      ].sort(),
    );
    expect(dev.json.Outputs!.SourcesParameterPath.Value).toBe('/threadline/dev/sources');
  });
});
