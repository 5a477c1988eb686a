/**
 * The collector: an HTTP API (POST /v1/{proxy+}, OPTIONS /v1/{proxy+}, GET /health) in front of the
 * collector Lambda, which authenticates write keys against SSM and writes to Kinesis.
 *
 * CORS is the collector's job, not API Gateway's: origins are allowed per source (write key) on top
 * of the deployment's list (collector.allowedOrigins, in THREADLINE_CONFIG), and an HTTP API with a
 * CORS configuration would overwrite the collector's headers. So OPTIONS is routed to the Lambda like
 * the rest.
 *
 * Write keys ARE the authentication (Segment-compatible clients send them as Basic auth or in the
 * body), so the routes carry no API Gateway authorizer; stage throttling caps the request rate before
 * any Lambda is invoked.
 */
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge.js';
import { logRetention, ThreadlineFunction } from './function.js';

export interface CollectorApiProps {
  readonly entry: string;
  readonly stream: kinesis.IStream;
  /** SSM path of the key store, e.g. /threadline/prod/sources. */
  readonly sourcesPath: string;
  /** Extra environment (names the handler reads; the stack owns the mapping). */
  readonly environment: Record<string, string>;
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly logDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** Actions the collector code calls, and nothing else (asserted by test/cdk). */
export const COLLECTOR_ACTIONS = {
  kinesis: ['kinesis:PutRecords'],
  ssm: ['ssm:GetParametersByPath'],
} as const;

export class CollectorApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly function: ThreadlineFunction;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CollectorApiProps) {
    super(scope, id);
    this.function = new ThreadlineFunction(this, 'Function', {
      entry: props.entry,
      description: 'Threadline collector: validates Segment-compatible batches and writes them to Kinesis',
      memoryMb: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      logRetentionDays: props.logDays,
      removalPolicy: props.removalPolicy,
      environment: props.environment,
    });
    const role = this.function.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'WriteStream', actions: [...COLLECTOR_ACTIONS.kinesis], resources: [props.stream.streamArn] }),
    );
    // GetParametersByPath is authorised on the path itself: this stage's sources and nothing else.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadWriteKeyHashes',
        actions: [...COLLECTOR_ACTIONS.ssm],
        resources: [
          Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: props.sourcesPath.replace(/^\//, '') }),
        ],
      }),
    );

    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Threadline collector (Segment-compatible HTTP API)',
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logRetention(props.logDays),
      removalPolicy: props.removalPolicy,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttling.rateLimit, burstLimit: props.throttling.burstLimit },
      // No client IP, user agent or path parameters: access logs must not hold personal data.
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            latency: '$context.responseLatency',
            error: '$context.error.message',
          }),
        ),
      },
    });

    const integration = new HttpLambdaIntegration('CollectorIntegration', this.function.fn, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    });
    const routes = [
      ...this.api.addRoutes({ path: '/v1/{proxy+}', methods: [apigw.HttpMethod.POST, apigw.HttpMethod.OPTIONS], integration }),
      ...this.api.addRoutes({ path: '/health', methods: [apigw.HttpMethod.GET], integration }),
    ];
    for (const route of routes) {
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'Segment-compatible clients authenticate with a write key (Basic auth or body writeKey) that the collector checks against ' +
          'the SSM key store; an API Gateway authorizer cannot read body keys and would add a Lambda per request. ' +
          'Stage throttling caps unauthenticated load.',
      );
    }
  }

  /** Base URL of the API ($default stage), e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/ */
  get url(): string {
    return this.stage.url;
  }
}
