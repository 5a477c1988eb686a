/**
 * The cost-relevant facts of a deployment, read from the SYNTHESIZED CloudFormation template (not
 * from the configuration), so the cost model prices what would actually be deployed.
 */
import { App } from 'aws-cdk-lib';
import { stackName } from '../lambdas/index.js';
import { configFromContext, ThreadlineStack } from '../lib/index.js';
import { customMetricCount } from './metrics.js';
import type { DeploymentFacts } from './model.js';

interface CfnResource {
  Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON read by path
  Properties?: Record<string, any>;
}
export interface CfnTemplateLike {
  Resources: Record<string, CfnResource>;
}

function ofType(t: CfnTemplateLike, type: string): CfnResource[] {
  return Object.values(t.Resources).filter((r) => r.Type === type);
}

function functionByDescription(t: CfnTemplateLike, prefix: string): CfnResource {
  const fn = ofType(t, 'AWS::Lambda::Function').find((r) => String(r.Properties?.Description ?? '').startsWith(prefix));
  if (!fn) throw new Error(`template has no Lambda function described "${prefix}..."`);
  return fn;
}

/** Point-in-time recovery on the identity table (TableV2 synthesizes a GlobalTable with one replica). */
function identityPitr(t: CfnTemplateLike): boolean {
  const tables = [...ofType(t, 'AWS::DynamoDB::GlobalTable'), ...ofType(t, 'AWS::DynamoDB::Table')];
  return tables.some((tb) => {
    const replicas = (tb.Properties?.Replicas ?? []) as { PointInTimeRecoverySpecification?: { PointInTimeRecoveryEnabled?: boolean } }[];
    const specs = [tb.Properties?.PointInTimeRecoverySpecification, ...replicas.map((r) => r.PointInTimeRecoverySpecification)];
    return specs.some((sp) => sp?.PointInTimeRecoveryEnabled === true);
  });
}

/** Expiration of the lake's events rows (lifecycle rule expire-events); 0 when nothing expires them. */
function lakeRetentionDays(t: CfnTemplateLike): number {
  for (const b of ofType(t, 'AWS::S3::Bucket')) {
    const rules = (b.Properties?.LifecycleConfiguration?.Rules ?? []) as { Id?: string; ExpirationInDays?: number; Status?: string }[];
    const rule = rules.find((r) => r.Id === 'expire-events' && r.Status !== 'Disabled');
    if (rule?.ExpirationInDays) return Number(rule.ExpirationInDays);
  }
  return 0;
}

export function deploymentFromTemplate(t: CfnTemplateLike): DeploymentFacts {
  const collector = functionByDescription(t, 'Threadline collector');
  const processor = functionByDescription(t, 'Threadline processor');
  const stream = ofType(t, 'AWS::Kinesis::Stream')[0];
  if (!stream) throw new Error('template has no Kinesis stream');
  const esm = ofType(t, 'AWS::Lambda::EventSourceMapping')[0];
  if (!esm) throw new Error('template has no event source mapping');
  const firehoses = ofType(t, 'AWS::KinesisFirehose::DeliveryStream');
  const buffering = firehoses[0]?.Properties?.ExtendedS3DestinationConfiguration?.BufferingHints ?? {};
  const alarmMetrics = ofType(t, 'AWS::CloudWatch::Alarm').reduce((n, a) => {
    const metrics = a.Properties?.Metrics as { MetricStat?: unknown }[] | undefined;
    return n + (metrics ? metrics.filter((m) => m.MetricStat).length : 1);
  }, 0);
  const mode = stream.Properties?.StreamModeDetails?.StreamMode === 'PROVISIONED' ? 'provisioned' : 'on-demand';
  return {
    architecture: (collector.Properties?.Architectures?.[0] ?? 'x86_64') === 'arm64' ? 'arm64' : 'x86_64',
    collectorMemoryMb: Number(collector.Properties?.MemorySize ?? 128),
    processorMemoryMb: Number(processor.Properties?.MemorySize ?? 128),
    streamMode: mode,
    ...(mode === 'provisioned' ? { shardCount: Number(stream.Properties?.ShardCount ?? 1) } : {}),
    processorBatchSize: Number(esm.Properties?.BatchSize ?? 100),
    processorParallelizationFactor: Number(esm.Properties?.ParallelizationFactor ?? 1),
    processorBatchingWindowSeconds: Number(esm.Properties?.MaximumBatchingWindowInSeconds ?? 0),
    deliveryStreams: firehoses.length,
    bufferingSizeMb: Number(buffering.SizeInMBs ?? 128),
    bufferingIntervalSeconds: Number(buffering.IntervalInSeconds ?? 300),
    alarmMetrics,
    dashboards: ofType(t, 'AWS::CloudWatch::Dashboard').length,
    secrets: ofType(t, 'AWS::SecretsManager::Secret').length,
    kmsKeys: ofType(t, 'AWS::KMS::Key').length,
    identityPitr: identityPitr(t),
    lakeRetentionDays: lakeRetentionDays(t),
    // Not in the template: the functions publish them at run time (cost/metrics.ts lists them).
    customMetrics: customMetricCount(),
  };
}

/**
 * Synthesize the stack in-process for costing: same configuration sources as `cdk synth`
 * (context map as given), Lambda bundling skipped (code assets do not change the price).
 */
export function synthesizeTemplate(context: Record<string, unknown> = {}): { template: CfnTemplateLike; stage: string } {
  const config = configFromContext(context);
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new ThreadlineStack(app, stackName(config.stage), { config });
  const assembly = app.synth({ validateOnSynthesis: false });
  return { template: assembly.getStackByName(stack.stackName).template as CfnTemplateLike, stage: config.stage };
}
