/**
 * The processor: a Lambda on the Kinesis stream that validates/enriches envelopes, stitches
 * identities in DynamoDB and writes lake records to the three Firehose delivery streams.
 *
 * Delivery semantics (at-least-once, nothing silently lost):
 *   - reportBatchItemFailures: the handler returns the first failed sequence number and Lambda
 *     retries from there (no re-processing of the records before it);
 *   - bisectBatchOnError: a poison record that makes the whole invocation throw is isolated;
 *   - retryAttempts / maxRecordAge bound the retries so one bad shard cannot stall for the stream's
 *     whole retention; what is given up on is described (shard, sequence range) in the SQS DLQ and can
 *     be replayed from the stream while it is retained.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge.js';
import { ThreadlineFunction } from './function.js';

export interface ProcessorFunctionProps {
  readonly entry: string;
  readonly stream: kinesis.IStream;
  readonly identityTable: dynamodb.ITableV2;
  /** Global secondary indexes the code queries (authorised one by one: no index wildcard). */
  readonly identityIndexNames: readonly string[];
  /** Delivery streams by role: events, identity changes, failed events. */
  readonly deliveryStreams: {
    readonly events: firehose.CfnDeliveryStream;
    readonly identityChanges: firehose.CfnDeliveryStream;
    readonly failed: firehose.CfnDeliveryStream;
  };
  /** Builds the handler's environment from the resource names (the stack owns the variable names). */
  readonly environment: Record<string, string>;
  /** DynamoDB actions the identity code issues (see the stack: derived from the processor's code). */
  readonly dynamoDbActions: readonly string[];
  /** The HMAC key for identifier hashes, read by the function at cold start (its ARN is in the environment). */
  readonly hashKeySecret: secretsmanager.ISecret;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly retryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly parallelizationFactor: number;
  readonly logDays: number;
  readonly removalPolicy: RemovalPolicy;
}

export const PROCESSOR_FIXED_ACTIONS = {
  firehose: ['firehose:PutRecordBatch'],
  secretsmanager: ['secretsmanager:GetSecretValue'],
} as const;

export class ProcessorFunction extends Construct {
  readonly function: ThreadlineFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly eventSource: KinesisEventSource;

  constructor(scope: Construct, id: string, props: ProcessorFunctionProps) {
    super(scope, id);
    this.function = new ThreadlineFunction(this, 'Function', {
      entry: props.entry,
      description: 'Threadline processor: enrich, stitch identities, deliver lake records to Firehose',
      memoryMb: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      logRetentionDays: props.logDays,
      removalPolicy: props.removalPolicy,
      environment: props.environment,
    });
    const role = this.function.role;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue IS the dead-letter destination of the Kinesis event source mapping (on-failure records with shard and ' +
        'sequence range); a DLQ for the DLQ adds nothing.',
    );

    this.eventSource = new KinesisEventSource(props.stream, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize,
      maxBatchingWindow: Duration.seconds(props.maxBatchingWindowSeconds),
      bisectBatchOnError: true,
      retryAttempts: props.retryAttempts,
      maxRecordAge: props.maxRecordAgeSeconds === -1 ? undefined : Duration.seconds(props.maxRecordAgeSeconds),
      reportBatchItemFailures: true,
      parallelizationFactor: props.parallelizationFactor,
      onFailure: new SqsDlq(this.deadLetterQueue),
    });
    this.function.fn.addEventSource(this.eventSource);

    const ds = props.deliveryStreams;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeliverLakeRecords',
        actions: [...PROCESSOR_FIXED_ACTIONS.firehose],
        resources: [ds.events.attrArn, ds.identityChanges.attrArn, ds.failed.attrArn],
      }),
    );
    // Not grantRead(): that adds DescribeSecret, which the code never calls.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadHashKey',
        actions: [...PROCESSOR_FIXED_ACTIONS.secretsmanager],
        resources: [props.hashKeySecret.secretArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'IdentityTable',
        actions: [...props.dynamoDbActions],
        resources: identityResources(props.identityTable, props.identityIndexNames),
      }),
    );
  }
}

/** The table and its indexes (Query on a GSI is authorised on the index ARN). */
function identityResources(table: dynamodb.ITableV2, indexNames: readonly string[]): string[] {
  return [table.tableArn, ...indexNames.map((n) => `${table.tableArn}/index/${n}`)];
}
