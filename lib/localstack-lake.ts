/**
 * The lake of the LocalStack profile: one bucket and one Firehose delivery stream per lake table,
 * delivering the processor's JSON rows as they are (no Parquet conversion, no dynamic partitioning,
 * no Glue schema: none of that exists in LocalStack Community). Objects land under <table>/ with
 * Firehose's own time-based names, so nothing downstream (Athena, the views) reads them; they show that
 * the processor's output reaches S3.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { LakeTableName } from '../schemas/index.js';
import { LAKE_TABLE_NAMES, tablePrefix } from '../sql/index.js';
import { acknowledge, nagArnToken } from './acknowledge.js';
import { firehoseLakeStatements } from './lake.js';

export interface LocalStackLakeProps {
  readonly removalPolicy: RemovalPolicy;
}

/** Small buffers: a local deploy should show files within a minute, not after 128 MB. */
const LOCAL_BUFFERING = { sizeInMBs: 1, intervalInSeconds: 60 } as const;

export class LocalStackLake extends Construct {
  readonly bucket: s3.Bucket;
  readonly deliveryStreams: Record<LakeTableName, firehose.CfnDeliveryStream>;

  constructor(scope: Construct, id: string, props: LocalStackLakeProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: props.removalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'LocalStack profile: a throw-away emulator bucket; server access logs would only fill another local bucket.',
    );
    const streams = {} as Record<LakeTableName, firehose.CfnDeliveryStream>;
    for (const t of LAKE_TABLE_NAMES) streams[t] = this.createDeliveryStream(t);
    this.deliveryStreams = streams;
  }

  private createDeliveryStream(t: LakeTableName): firehose.CfnDeliveryStream {
    const id = t.replace(/_/g, '-');
    const prefix = tablePrefix(t);
    const errorPrefix = `processing-failed/${prefix}`;
    const role = new iam.Role(this, `FirehoseRole-${id}`, {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: `Firehose delivery of ${t} to the LocalStack lake (Threadline)`,
    });
    const policy = new iam.Policy(this, `FirehosePolicy-${id}`, {
      roles: [role],
      statements: firehoseLakeStatements(this.bucket, [prefix, errorPrefix]),
    });
    for (const p of [prefix, errorPrefix]) {
      acknowledge(
        policy,
        `AwsSolutions-IAM5[Resource::${nagArnToken(this.bucket)}/${p}*]`,
        `Firehose writes objects with generated names under ${p}; the wildcard is confined to this one table's prefix.`,
      );
    }
    const stream = new firehose.CfnDeliveryStream(this, `Delivery-${id}`, {
      deliveryStreamType: 'DirectPut',
      // As on AWS: server-side encryption with an AWS-owned key (no KMS grants needed).
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: role.roleArn,
        prefix,
        errorOutputPrefix: errorPrefix,
        bufferingHints: LOCAL_BUFFERING,
        compressionFormat: 'UNCOMPRESSED',
      },
    });
    stream.node.addDependency(policy);
    return stream;
  }
}
