/**
 * The Kinesis stream between collector and processor. On-demand by default (no capacity planning,
 * scales with traffic); provisioned shards are cheaper at steady high volume (see docs/cost.md).
 * Encrypted with the AWS-managed aws/kinesis key: producers and consumers need no KMS grants.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';

export interface EventStreamProps {
  readonly mode: 'on-demand' | 'provisioned';
  readonly shardCount?: number;
  readonly retentionHours: number;
  readonly removalPolicy: RemovalPolicy;
}

export class EventStream extends Construct {
  readonly stream: kinesis.Stream;

  constructor(scope: Construct, id: string, props: EventStreamProps) {
    super(scope, id);
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamMode: props.mode === 'on-demand' ? kinesis.StreamMode.ON_DEMAND : kinesis.StreamMode.PROVISIONED,
      shardCount: props.mode === 'provisioned' ? props.shardCount : undefined,
      retentionPeriod: Duration.hours(props.retentionHours),
      encryption: kinesis.StreamEncryption.MANAGED,
      removalPolicy: props.removalPolicy,
    });
  }
}
