/**
 * Dashboard and alarms for the whole pipeline, one alarm per way it can go wrong, all notifying one
 * SNS topic (optionally with an e-mail subscription). Thresholds are deliberately simple and named in
 * the alarm descriptions so an operator knows what "bad" means without reading this file.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  readonly stage: string;
  readonly alarmEmail?: string;
  readonly api: apigw.IHttpApi;
  readonly apiStageName: string;
  readonly collectorFunction: lambda.IFunction;
  readonly stream: kinesis.Stream;
  readonly processorFunction: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  readonly identityTable: dynamodb.ITableV2;
  readonly deliveryStreams: Record<string, firehose.CfnDeliveryStream>;
  /** Firehose buffering interval: freshness above interval + 15 min means delivery is stuck. */
  readonly bufferingIntervalSeconds: number;
}

const FIVE_MIN = Duration.minutes(5);

export class Observability extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: `Threadline ${props.stage} alarms`, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subs.EmailSubscription(props.alarmEmail));
    const action = new actions.SnsAction(this.topic);

    const alarm = (
      name: string,
      metric: cloudwatch.Metric | cloudwatch.MathExpression,
      threshold: number,
      description: string,
      opts: Partial<cloudwatch.CreateAlarmOptions> = {},
    ) => {
      const a = metric.createAlarm(this, name, {
        alarmDescription: description,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...opts,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    // ---- collector (HTTP API + Lambda)
    const apiDims = { ApiId: props.api.apiId, Stage: props.apiStageName };
    const apiMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: apiDims, statistic, period: FIVE_MIN });
    const requests = apiMetric('Count', 'Sum');
    const e4 = apiMetric('4xx', 'Sum');
    const e5 = apiMetric('5xx', 'Sum');
    const latencyP99 = apiMetric('Latency', 'p99');
    // 4xx are the clients' fault (bad key, bad JSON) but a jump usually means a broken SDK release or a
    // revoked key still deployed: alarm on the share, only once there is traffic to speak of.
    const share4xx = new cloudwatch.MathExpression({
      expression: 'IF(requests >= 100, 100 * e4 / requests, 0)',
      usingMetrics: { requests, e4 },
      label: '4xx % of requests',
      period: FIVE_MIN,
    });
    alarm('Collector4xxRate', share4xx, 10, 'More than 10% of collector requests answered 4xx over 5 minutes (with >= 100 requests).');
    alarm('Collector5xx', e5, 5, 'More than 5 collector 5xx responses in 5 minutes: events may be retried or lost by clients.');
    alarm('CollectorLatencyP99', latencyP99, 1000, 'Collector p99 latency above 1 s for 3 consecutive 5-minute periods.', {
      evaluationPeriods: 3,
    });
    alarm(
      'CollectorErrors',
      props.collectorFunction.metricErrors({ period: FIVE_MIN, statistic: 'Sum' }),
      0,
      'Collector Lambda invocation errors (unhandled exceptions or timeouts).',
    );

    // ---- stream
    const iteratorAge = props.stream.metricGetRecordsIteratorAgeMilliseconds({ period: FIVE_MIN, statistic: 'Maximum' });
    alarm('StreamIteratorAge', iteratorAge, 5 * 60 * 1000, 'Kinesis iterator age above 5 minutes: the processor is falling behind.');
    const throttled = props.stream.metricPutRecordsThrottledRecords({ period: FIVE_MIN, statistic: 'Sum' });
    alarm(
      'StreamWriteThrottles',
      throttled,
      0,
      'Kinesis throttled PutRecords records: the collector retries, but capacity is short (add shards or use on-demand).',
    );

    // ---- processor
    alarm(
      'ProcessorErrors',
      props.processorFunction.metricErrors({ period: FIVE_MIN, statistic: 'Sum' }),
      0,
      'Processor Lambda invocation errors: batches are being retried/bisected.',
    );
    const lambdaIteratorAge = new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName: 'IteratorAge',
      dimensionsMap: { FunctionName: props.processorFunction.functionName },
      statistic: 'Maximum',
      period: FIVE_MIN,
    });
    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MIN, statistic: 'Maximum' });
    alarm(
      'ProcessorDeadLetters',
      dlqDepth,
      0,
      'Stream batches given up by the processor are waiting in the DLQ: replay them from the stream before retention ends.',
    );

    // ---- Firehose / lake
    const freshnessLimit = props.bufferingIntervalSeconds + 900;
    const firehoseWidgets: cloudwatch.IWidget[] = [];
    for (const [name, ds] of Object.entries(props.deliveryStreams)) {
      const fh = (metricName: string, statistic: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Firehose',
          metricName,
          dimensionsMap: { DeliveryStreamName: ds.ref },
          statistic,
          period: FIVE_MIN,
        });
      const freshness = fh('DeliveryToS3.DataFreshness', 'Maximum');
      const failedConversion = fh('FailedConversion.Records', 'Sum');
      alarm(
        `Firehose-${name}-Freshness`,
        freshness,
        freshnessLimit,
        `Oldest ${name} record in Firehose older than ${freshnessLimit} s: delivery to S3 is stuck.`,
      );
      alarm(
        `Firehose-${name}-FailedConversion`,
        failedConversion,
        0,
        `${name} records failed Parquet conversion: see the processing-failed/ prefix in the lake bucket.`,
      );
      // Delivery failures and partition overflow both divert records to the error prefix, which expires:
      // without an alarm those rows are lost silently.
      const s3Success = fh('DeliveryToS3.Success', 'Minimum');
      alarm(
        `Firehose-${name}-DeliveryToS3`,
        s3Success,
        1,
        `${name}: some Firehose puts to S3 failed (DeliveryToS3.Success < 1): check the role, bucket and key; failed records go to processing-failed/.`,
        { comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD },
      );
      const partitionExceeded = fh('PartitionCountExceeded', 'Maximum');
      alarm(
        `Firehose-${name}-PartitionCountExceeded`,
        partitionExceeded,
        0,
        `${name}: more event dates in one buffer than Firehose's active-partition limit; the excess went to ` +
          'processing-failed/ (activePartitionExceeded): replay it and load history sorted by time in smaller spans.',
      );
      const partitionUse = new cloudwatch.MathExpression({
        expression: 'IF(lim > 0, 100 * parts / lim, 0)',
        usingMetrics: { parts: fh('PartitionCount', 'Maximum'), lim: fh('ActivePartitionsLimit', 'Minimum') },
        label: 'active partitions % of limit',
        period: FIVE_MIN,
      });
      alarm(
        `Firehose-${name}-PartitionHeadroom`,
        partitionUse,
        80,
        `${name}: active partitions above 80% of Firehose's limit: a wider history load would overflow to processing-failed/.`,
      );
      firehoseWidgets.push(
        new cloudwatch.GraphWidget({ title: `Firehose ${name}: freshness (s)`, left: [freshness], width: 6 }),
        new cloudwatch.GraphWidget({
          title: `Firehose ${name}: S3 delivery success / partitions`,
          left: [s3Success],
          right: [partitionUse, partitionExceeded],
          width: 6,
        }),
        new cloudwatch.GraphWidget({
          title: `Firehose ${name}: records in / failed conversion`,
          left: [fh('IncomingRecords', 'Sum')],
          right: [failedConversion],
          width: 6,
        }),
      );
    }

    // ---- identity store
    const ddb = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: props.identityTable.tableName },
        statistic: 'Sum',
        period: FIVE_MIN,
      });
    const ddbThrottles = new cloudwatch.MathExpression({
      expression: 'r + w',
      usingMetrics: { r: ddb('ReadThrottleEvents'), w: ddb('WriteThrottleEvents') },
      label: 'read + write throttle events',
      period: FIVE_MIN,
    });
    alarm('IdentityTableThrottles', ddbThrottles, 0, 'DynamoDB identity table throttled requests: identity writes are being retried.');

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `Threadline-${props.stage}`,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Threadline ${props.stage}\nCollector -> Kinesis -> processor -> Firehose -> S3/Athena`,
        width: 24,
        height: 2,
      }),
      new cloudwatch.GraphWidget({ title: 'Collector requests / 4xx / 5xx', left: [requests, e4, e5], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Collector latency p99 (ms)', left: [latencyP99], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Collector Lambda errors / duration',
        left: [props.collectorFunction.metricErrors({ period: FIVE_MIN })],
        right: [props.collectorFunction.metricDuration({ period: FIVE_MIN, statistic: 'p99' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Kinesis incoming records / throttled',
        left: [props.stream.metricIncomingRecords({ period: FIVE_MIN, statistic: 'Sum' })],
        right: [throttled],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Iterator age (ms): stream / processor', left: [iteratorAge, lambdaIteratorAge], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Processor errors / DLQ depth',
        left: [props.processorFunction.metricErrors({ period: FIVE_MIN })],
        right: [dlqDepth],
        width: 8,
      }),
      ...firehoseWidgets,
      new cloudwatch.GraphWidget({ title: 'Identity table throttles', left: [ddbThrottles], width: 6 }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
    );
  }
}
