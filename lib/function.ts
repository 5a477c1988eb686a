/**
 * One way to make a Threadline Lambda: NodejsFunction on nodejs22.x / arm64, bundled by the LOCAL
 * esbuild (never Docker), with its own log group and its own role that starts with nothing but
 * permission to write to that log group. Constructs then add exactly the actions the code calls, so
 * tests can assert each role's action list (no AWSLambdaBasicExecutionRole, no grant*() wildcards).
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_BUNDLE, PROJECT_ROOT } from '../lambdas/index.js';
import { acknowledge } from './acknowledge.js';

export interface ThreadlineFunctionProps {
  /** Absolute path of the TypeScript entry (exporting `handler`). */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  readonly reservedConcurrency?: number;
}

let esbuildChecked = false;
/** NodejsFunction silently falls back to Docker when esbuild is missing; fail loudly instead. */
function assertLocalEsbuild(): void {
  if (esbuildChecked) return;
  try {
    createRequire(import.meta.url).resolve('esbuild');
    esbuildChecked = true;
  } catch {
    throw new Error('esbuild is not installed: Threadline bundles Lambdas with the local esbuild (npm install), never with Docker.');
  }
}

const RETENTION: Record<number, logs.RetentionDays> = Object.fromEntries(
  Object.values(logs.RetentionDays)
    .filter((v): v is logs.RetentionDays => typeof v === 'number')
    .map((v) => [v, v]),
);

/** CloudWatch only accepts certain retention values: take the smallest allowed one >= wanted. */
export function logRetention(days: number): logs.RetentionDays {
  const allowed = Object.keys(RETENTION)
    .map(Number)
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  const pick = allowed.find((d) => d >= days) ?? allowed[allowed.length - 1]!;
  return RETENTION[pick]!;
}

export class ThreadlineFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ThreadlineFunctionProps) {
    super(scope, id);
    assertLocalEsbuild();
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logRetention(props.logRetentionDays),
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (least privilege, Threadline)`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, 'Fn', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: props.environment,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: resolve(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: LAMBDA_BUNDLE.target,
        minify: LAMBDA_BUNDLE.minify,
        sourceMap: false,
        mainFields: LAMBDA_BUNDLE.mainFields,
        banner: LAMBDA_BUNDLE.banner,
        bundleAwsSDK: true,
        externalModules: [],
      },
    });
    acknowledge(
      this.fn,
      'AwsSolutions-L1',
      'nodejs22.x is the runtime this project targets and tests; moving to a newer runtime is a deliberate, tested change, not an automatic one.',
    );
  }
}
