/**
 * The lake: one S3 bucket, the Glue database and tables (generated from schemas/lake.ts, the single
 * source of the columns) and one Firehose delivery stream per table converting the processor's JSON
 * lines to Parquet under <table>/event_date=YYYY-MM-DD/.
 *
 * Firehose is the L1 CfnDeliveryStream on purpose: the L2 destination grants its role
 * bucket.grantReadWrite() (s3:GetObject*, s3:List*, s3:DeleteObject* ...), and this project asserts
 * that no role holds a wildcard action. The L1 lets the role carry exactly the actions of the
 * Firehose documentation for S3 + Glue schema + CloudWatch logging.
 */
import { ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { LakeTableName } from '../schemas/index.js';
import { firehosePrefixes, glueTableInput, LAKE_TABLE_NAMES, tablePrefix } from '../sql/index.js';
import { acknowledge, nagArnToken } from './acknowledge.js';
import { attributionResultsTableInput } from './attribution-results-glue-table.js';
import { logRetention } from './function.js';

export { LAKE_TABLE_NAMES };

/** The static part of a Firehose prefix (before the first !{...} expression): what IAM and lifecycle see. */
/**
 * What a Firehose delivery role needs on the lake bucket (the AWS stack and the LocalStack profile):
 * list the bucket and write objects under the given prefixes only.
 */
export function firehoseLakeStatements(bucket: s3.IBucket, objectPrefixes: readonly string[]): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'LakeBucket',
      actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      resources: [bucket.bucketArn],
    }),
    new iam.PolicyStatement({
      sid: 'LakeObjects',
      actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
      resources: objectPrefixes.map((p) => bucket.arnForObjects(`${p}*`)),
    }),
  ];
}

function staticPart(prefix: string): string {
  const i = prefix.indexOf('!{');
  return i < 0 ? prefix : prefix.slice(0, i);
}

/**
 * Where things live inside the bucket. Table and Firehose prefixes come from sql/lake-layout.ts, the
 * layout the offline lake writer and the Glue tables share, so the three cannot drift.
 */
export const LAKE_PREFIXES = {
  table: (t: LakeTableName) => tablePrefix(t),
  /** Firehose error output: records it could not partition or convert, kept for replay. */
  errors: (t: LakeTableName) => staticPart(firehosePrefixes(t).errorOutputPrefix),
  /** Common root of every table's error output (for the lifecycle rule). */
  errorsRoot: () => `${staticPart(firehosePrefixes(LAKE_TABLE_NAMES[0]!).errorOutputPrefix).split('/')[0]}/`,
  athenaResults: 'athena-results/',
} as const;

export interface LakeProps {
  readonly stage: string;
  readonly databaseName: string;
  readonly encryption: 's3-managed' | 'kms';
  readonly retention: {
    readonly lakeDays: number;
    readonly failedEventsDays: number;
    readonly errorOutputDays: number;
    readonly athenaResultsDays: number;
    readonly logDays: number;
  };
  readonly buffering: { readonly sizeMb: number; readonly intervalSeconds: number };
  /**
   * First day of the tables' partition projection (YYYY-MM-DD): the earliest event date the collector
   * accepts (config eventTime.earliestDate). Defaults to schemas/limits.ts EARLIEST_EVENT_DATE.
   */
  readonly earliestEventDate?: string;
  readonly removalPolicy: RemovalPolicy;
}

export class Lake extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly key?: kms.Key;
  readonly database: glue.CfnDatabase;
  readonly tables: Record<LakeTableName, glue.CfnTable>;
  /** Saved attribution runs (`threadline attribution --save`): no Firehose, written by Athena INSERT INTO. */
  readonly attributionResults: glue.CfnTable;
  readonly deliveryStreams: Record<LakeTableName, firehose.CfnDeliveryStream>;
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: LakeProps) {
    super(scope, id);
    // Buckets (and the key their objects are encrypted with) are RETAINED on every stage: deleting a
    // stack must never delete collected data. CDK's autoDeleteObjects would also add a custom resource
    // whose bucket policy grants wildcard actions (s3:List*, s3:DeleteObject*). Teardown of a dev
    // stack empties and removes the two buckets explicitly (docs/deploy.md).
    const dataRemoval = RemovalPolicy.RETAIN;
    this.databaseName = props.databaseName;

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
      removalPolicy: dataRemoval,
    });

    if (props.encryption === 'kms') {
      this.key = new kms.Key(this, 'Key', {
        enableKeyRotation: true,
        description: `Threadline ${props.stage} lake encryption`,
        removalPolicy: dataRemoval,
      });
    }

    const expire = (id: string, prefix: string, days: number): s3.LifecycleRule => ({ id, prefix, expiration: Duration.days(days) });
    const lifecycleRules: s3.LifecycleRule[] = [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      expire('expire-failed-events', LAKE_PREFIXES.table('failed_events'), props.retention.failedEventsDays),
      expire('expire-firehose-errors', LAKE_PREFIXES.errorsRoot(), props.retention.errorOutputDays),
      expire('expire-athena-results', LAKE_PREFIXES.athenaResults, props.retention.athenaResultsDays),
    ];
    if (props.retention.lakeDays > 0) {
      lifecycleRules.push(expire('expire-events', LAKE_PREFIXES.table('events'), props.retention.lakeDays));
      lifecycleRules.push(expire('expire-identity-changes', LAKE_PREFIXES.table('identity_changes'), props.retention.lakeDays));
    }
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: this.key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: this.key,
      bucketKeyEnabled: this.key ? true : undefined,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'lake/',
      lifecycleRules,
      removalPolicy: dataRemoval,
    });

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: props.databaseName, description: `Threadline ${props.stage} lake` },
    });

    const tables = {} as Record<LakeTableName, glue.CfnTable>;
    const streams = {} as Record<LakeTableName, firehose.CfnDeliveryStream>;
    for (const t of LAKE_TABLE_NAMES) {
      tables[t] = this.createTable(t, props.earliestEventDate);
      streams[t] = this.createDeliveryStream(t, tables[t], props);
    }
    this.tables = tables;
    this.deliveryStreams = streams;

    // Not kept by any lifecycle rule on purpose: a few hundred rows per run, and the history of runs
    // is the point of saving them.
    this.attributionResults = new glue.CfnTable(this, 'Table-attribution_results', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: attributionResultsTableInput({
        lakeLocation: `s3://${this.bucket.bucketName}`,
        projectionStart: props.earliestEventDate,
      }),
    });
    this.attributionResults.node.addDependency(this.database);
  }

  /** arn:aws:glue:<region>:<account>:table/<db>/<name> (IAM resource of a Glue table or view). */
  tableArn(name: string): string {
    return Stack.of(this).formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${name}` });
  }

  get databaseArn(): string {
    return Stack.of(this).formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName });
  }

  get catalogArn(): string {
    return Stack.of(this).formatArn({ service: 'glue', resource: 'catalog' });
  }

  private createTable(t: LakeTableName, projectionStart: string | undefined): glue.CfnTable {
    // Columns, SerDe and partition projection come from the shared layout (schemas/lake.ts columns):
    // Athena computes partitions from table properties, so a new day is queryable with no crawler.
    const table = new glue.CfnTable(this, `Table-${t}`, {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: glueTableInput(t, { lakeLocation: `s3://${this.bucket.bucketName}`, projectionStart }),
    });
    table.node.addDependency(this.database);
    return table;
  }

  private createDeliveryStream(t: LakeTableName, table: glue.CfnTable, props: LakeProps): firehose.CfnDeliveryStream {
    const id = t.replace(/_/g, '-');
    const layout = firehosePrefixes(t);
    const logGroup = new logs.LogGroup(this, `FirehoseLogs-${id}`, {
      retention: logRetention(props.retention.logDays),
      removalPolicy: props.removalPolicy,
    });
    const logStream = new logs.LogStream(this, `FirehoseLogStream-${id}`, {
      logGroup,
      logStreamName: 'DestinationDelivery',
      removalPolicy: props.removalPolicy,
    });
    const role = new iam.Role(this, `FirehoseRole-${id}`, {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `Firehose delivery of ${t} to the lake (Threadline)`,
    });
    const statements = [
      ...firehoseLakeStatements(this.bucket, [LAKE_PREFIXES.table(t), LAKE_PREFIXES.errors(t)]),
      new iam.PolicyStatement({
        sid: 'GlueSchema',
        actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
        resources: [this.catalogArn, this.databaseArn, this.tableArn(t)],
      }),
      new iam.PolicyStatement({
        sid: 'DeliveryLogs',
        actions: ['logs:PutLogEvents'],
        resources: [
          Stack.of(this).formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    ];
    if (this.key) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'LakeKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [this.key.keyArn],
        }),
      );
    }
    const policy = new iam.Policy(this, `FirehosePolicy-${id}`, { statements, roles: [role] });
    for (const prefix of [LAKE_PREFIXES.table(t), LAKE_PREFIXES.errors(t)]) {
      acknowledge(
        policy,
        `AwsSolutions-IAM5[Resource::${nagArnToken(this.bucket)}/${prefix}*]`,
        `Firehose writes objects with generated names (date partition, timestamp, random suffix) under ${prefix}; ` +
          "the wildcard is confined to this one table's prefix.",
      );
    }

    const stream = new firehose.CfnDeliveryStream(this, `Delivery-${id}`, {
      deliveryStreamType: 'DirectPut',
      // Server-side encryption of data at rest inside Firehose (AWS-owned key: no KMS grants needed).
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: role.roleArn,
        prefix: layout.prefix,
        errorOutputPrefix: layout.errorOutputPrefix,
        bufferingHints: { sizeInMBs: props.buffering.sizeMb, intervalInSeconds: props.buffering.intervalSeconds },
        // Parquet conversion requires UNCOMPRESSED here; Snappy is applied inside the Parquet pages.
        compressionFormat: 'UNCOMPRESSED',
        fileExtension: '.parquet',
        encryptionConfiguration: this.key
          ? { kmsEncryptionConfig: { awskmsKeyArn: this.key.keyArn } }
          : { noEncryptionConfig: 'NoEncryption' },
        cloudWatchLoggingOptions: { enabled: true, logGroupName: logGroup.logGroupName, logStreamName: logStream.logStreamName },
        dataFormatConversionConfiguration: {
          enabled: true,
          inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
          outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
          schemaConfiguration: {
            catalogId: Aws.ACCOUNT_ID,
            databaseName: this.databaseName,
            tableName: t,
            region: Aws.REGION,
            roleArn: role.roleArn,
            versionId: 'LATEST',
          },
        },
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
        processingConfiguration: {
          enabled: true,
          processors: [
            // Lets the processor pack several JSON rows into one Firehose record (Firehose bills each
            // record as >= 5 KB; rows are ~1.5 KB): concatenated/newline-joined objects are split back
            // into rows before partitioning and conversion. Single-row records pass through unchanged.
            { type: 'RecordDeAggregation', parameters: [{ parameterName: 'SubRecordType', parameterValue: 'JSON' }] },
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'MetadataExtractionQuery', parameterValue: layout.partitionKeyQuery },
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
              ],
            },
          ],
        },
      },
    });
    // The role must be able to read the schema and write before Firehose validates the destination.
    stream.node.addDependency(policy);
    stream.node.addDependency(table);
    return stream;
  }
}
