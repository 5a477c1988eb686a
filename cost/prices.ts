/**
 * Public AWS list prices used by the cost model: ONE typed table, each price with its unit, source
 * page and the date it was read. us-east-1, on-demand, USD, no free tier, no discounts.
 *
 * Re-check before quoting: AWS changes prices (DynamoDB on-demand was halved on 2024-11-01, which is
 * why limits.md's older $1.25/$0.25 per million differ from the figures below).
 */
export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  /** When the figure was read from the source (YYYY-MM). */
  readonly asOf: string;
  readonly note?: string;
}

const AS_OF = '2025-06';

export const PRICES = {
  apiGatewayHttpRequestsPerMillion: {
    usd: 1.0,
    unit: 'per million HTTP API requests (first 300 M/month; $0.90 above); each 512 KB of payload is one request',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    asOf: AS_OF,
  },
  apiGatewayHttpRequestsPerMillionAbove300M: {
    usd: 0.9,
    unit: 'per million HTTP API requests above 300 M/month',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    asOf: AS_OF,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'per GB-second, arm64 (first 7.5 billion GB-s/month)',
    source: 'https://aws.amazon.com/lambda/pricing/',
    asOf: AS_OF,
  },
  lambdaX86GbSecond: {
    usd: 0.0000166667,
    unit: 'per GB-second, x86_64',
    source: 'https://aws.amazon.com/lambda/pricing/',
    asOf: AS_OF,
  },
  lambdaRequestsPerMillion: {
    usd: 0.2,
    unit: 'per million invocations',
    source: 'https://aws.amazon.com/lambda/pricing/',
    asOf: AS_OF,
  },
  kinesisOnDemandStreamHour: {
    usd: 0.04,
    unit: 'per stream-hour, on-demand (standard)',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    asOf: AS_OF,
  },
  kinesisOnDemandIngestGb: {
    usd: 0.08,
    unit: 'per GB written, on-demand; each record rounded up to 1 KB',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    asOf: AS_OF,
  },
  kinesisOnDemandRetrievalGb: {
    usd: 0.04,
    unit: 'per GB read (shared-throughput consumers), on-demand',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    asOf: AS_OF,
  },
  kinesisShardHour: {
    usd: 0.015,
    unit: 'per shard-hour, provisioned',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    asOf: AS_OF,
  },
  kinesisPutPayloadUnitsPerMillion: {
    usd: 0.014,
    unit: 'per million PUT payload units (25 KB each), provisioned',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    asOf: AS_OF,
  },
  firehoseIngestGb: {
    usd: 0.029,
    unit: 'per GB ingested (Direct PUT, first 500 TB/month); each record rounded up to 5 KB',
    source: 'https://aws.amazon.com/firehose/pricing/',
    asOf: AS_OF,
  },
  firehoseFormatConversionGb: {
    usd: 0.018,
    unit: 'per GB converted to Parquet/ORC; billed on ingested GB in 5 KB increments',
    source: 'https://aws.amazon.com/firehose/pricing/',
    asOf: AS_OF,
  },
  firehoseDynamicPartitioningGb: {
    usd: 0.02,
    unit: 'per GB processed by dynamic partitioning',
    source: 'https://aws.amazon.com/firehose/pricing/',
    asOf: AS_OF,
  },
  firehoseDynamicPartitioningPer1000Objects: {
    usd: 0.005,
    unit: 'per 1,000 S3 objects delivered by dynamic partitioning',
    source: 'https://aws.amazon.com/firehose/pricing/',
    asOf: AS_OF,
  },
  firehoseJqHour: {
    usd: 0.07,
    unit: 'per JQ processing hour (partition-key extraction)',
    source: 'https://aws.amazon.com/firehose/pricing/',
    asOf: AS_OF,
  },
  s3StandardGbMonth: {
    usd: 0.023,
    unit: 'per GB-month, S3 Standard (first 50 TB)',
    source: 'https://aws.amazon.com/s3/pricing/',
    asOf: AS_OF,
  },
  s3PutPer1000: {
    usd: 0.005,
    unit: 'per 1,000 PUT/COPY/POST/LIST requests',
    source: 'https://aws.amazon.com/s3/pricing/',
    asOf: AS_OF,
  },
  dynamoDbWriteRequestUnitsPerMillion: {
    usd: 0.625,
    unit: 'per million write request units, on-demand (after the 2024-11-01 reduction)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    asOf: AS_OF,
  },
  dynamoDbReadRequestUnitsPerMillion: {
    usd: 0.125,
    unit: 'per million read request units, on-demand (after the 2024-11-01 reduction)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    asOf: AS_OF,
  },
  dynamoDbStorageGbMonth: {
    usd: 0.25,
    unit: 'per GB-month of table storage, Standard table class (item bytes + 100 B overhead per item; first 25 GB free, not counted)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    asOf: AS_OF,
  },
  dynamoDbPitrGbMonth: {
    usd: 0.2,
    unit: 'per GB-month of continuous backups (point-in-time recovery), on the table size',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    asOf: AS_OF,
  },
  cloudWatchCustomMetricMonth: {
    usd: 0.3,
    unit: 'per custom metric per month (first 10,000); each metric name x dimension combination is one metric, EMF ones included',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    asOf: AS_OF,
  },
  cloudWatchLogsIngestGb: {
    usd: 0.5,
    unit: 'per GB of CloudWatch Logs ingested (standard class)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    asOf: AS_OF,
  },
  cloudWatchAlarmMetricMonth: {
    usd: 0.1,
    unit: 'per standard-resolution alarm metric per month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    asOf: AS_OF,
  },
  cloudWatchDashboardMonth: {
    usd: 3.0,
    unit: 'per dashboard per month (beyond the 3 free)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    asOf: AS_OF,
  },
  secretsManagerSecretMonth: {
    usd: 0.4,
    unit: 'per secret per month',
    source: 'https://aws.amazon.com/secrets-manager/pricing/',
    asOf: AS_OF,
  },
  kmsKeyMonth: {
    usd: 1.0,
    unit: 'per customer-managed KMS key per month',
    source: 'https://aws.amazon.com/kms/pricing/',
    asOf: AS_OF,
  },
  athenaTbScanned: {
    usd: 5.0,
    unit: 'per TB scanned (10 MB minimum per query); DDL free',
    source: 'https://aws.amazon.com/athena/pricing/',
    asOf: AS_OF,
    note: 'query cost depends on usage, not on event volume: reported separately',
  },
} as const satisfies Record<string, Price>;

export type PriceId = keyof typeof PRICES;

/** What users compare against (published per-event figures of comparable AWS reference pipelines). */
export const ANCHORS = {
  gameAnalyticsPipeline: {
    name: 'AWS Game Analytics Pipeline (API GW -> Kinesis -> Firehose -> Parquet/Athena)',
    lowUsdPerMillion: 0.25,
    highUsdPerMillion: 0.36,
    basis: '1 KB events; no identity stitching, no sessions, no dedup at ingest',
    source: 'AWS Solutions implementation guide cost table',
  },
} as const;
