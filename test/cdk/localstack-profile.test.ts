/**
 * The LocalStack profile deploys on LocalStack Community: every resource type of its template is on
 * Community's supported list (lib/localstack-community-resources.ts, copied from LocalStack's coverage
 * page), and the AWS profile is shown NOT to be (so the check can fail). Both profiles give the two
 * functions the same environment variables, so the profile runs the same code the same way.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lambdas/bundling.js';
import { resolveConfig } from '../../lib/config.js';
import { LOCALSTACK_COMMUNITY_RESOURCE_TYPES } from '../../lib/localstack-community-resources.js';
import { ThreadlineLocalStackStack } from '../../lib/localstack-stack.js';
import { type CfnTemplate, resourcesOfType, synth } from './helpers.js';

function synthLocalStack(): CfnTemplate {
  const outdir = mkdtempSync(join(tmpdir(), 'threadline-ls-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const config = resolveConfig({ stage: 'local', profile: 'localstack' });
  const stack = new ThreadlineLocalStackStack(app, 'Threadline-local', { config });
  app.synth();
  return JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), 'utf8')) as CfnTemplate;
}

const types = (t: CfnTemplate) => [...new Set(Object.values(t.Resources).map((r) => r.Type))].sort();
const unsupported = (t: CfnTemplate) => types(t).filter((ty) => !LOCALSTACK_COMMUNITY_RESOURCE_TYPES.has(ty));

const local = synthLocalStack();
const aws = synth({}, { bundle: false }).json;

describe('LocalStack profile', () => {
  it('uses only resource types LocalStack Community deploys', () => {
    expect(unsupported(local)).toEqual([]);
    expect(types(local)).toEqual(
      expect.arrayContaining([
        'AWS::Kinesis::Stream',
        'AWS::Lambda::EventSourceMapping',
        'AWS::Lambda::Url',
        'AWS::KinesisFirehose::DeliveryStream',
      ]),
    );
  });

  it('the AWS profile is not deployable there (HTTP API, Glue, Athena, custom resources): the check bites', () => {
    const missing = unsupported(aws);
    expect(missing).toEqual(expect.arrayContaining(['AWS::ApiGatewayV2::Api', 'AWS::Glue::Table', 'AWS::Athena::WorkGroup']));
  });

  it('Firehose delivers JSON as is: no format conversion, no dynamic partitioning, no processors', () => {
    for (const [, r] of resourcesOfType(local, 'AWS::KinesisFirehose::DeliveryStream')) {
      const dest = r.Properties!.ExtendedS3DestinationConfiguration;
      expect(dest.DataFormatConversionConfiguration).toBeUndefined();
      expect(dest.DynamicPartitioningConfiguration).toBeUndefined();
      expect(dest.ProcessingConfiguration).toBeUndefined();
    }
    expect(resourcesOfType(local, 'AWS::KinesisFirehose::DeliveryStream')).toHaveLength(3);
  });

  it('the collector and processor get the same environment variable names as on AWS', () => {
    const envNames = (t: CfnTemplate) =>
      resourcesOfType(t, 'AWS::Lambda::Function')
        .map(([, r]) => r.Properties!)
        .filter((p) => p.Environment?.Variables?.POWERTOOLS_SERVICE_NAME)
        .map((p) => [p.Environment.Variables.POWERTOOLS_SERVICE_NAME, Object.keys(p.Environment.Variables).sort()] as const)
        .sort();
    const onAws = envNames(aws).filter(([name]) => name === 'threadline-collector' || name === 'threadline-processor');
    expect(onAws).toHaveLength(2);
    expect(envNames(local)).toEqual(onAws);
  });

  it("the dead-letter wiring and the record-age rule are the AWS stack's", () => {
    const [, esm] = resourcesOfType(local, 'AWS::Lambda::EventSourceMapping')[0]!;
    expect(esm.Properties).toMatchObject({ MaximumRecordAgeInSeconds: 21600, BisectBatchOnFunctionError: true });
    expect(esm.Properties!.DestinationConfig.OnFailure.Destination).toBeDefined();
    expect(Object.keys(local.Outputs ?? {})).toEqual(expect.arrayContaining(['ApiUrl', 'DeadLetterQueueUrl']));
  });

  it('bin/threadline.ts builds it for -c threadline.profile=localstack, cdk-nag included', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'threadline-ls-bin-'));
    // Asynchronous on purpose: a synchronous child would block the worker for the whole synth.
    await promisify(execFile)(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bin', 'threadline.ts')], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({
          'threadline.profile': 'localstack',
          'threadline.stage': 'local',
          'aws:cdk:bundling-stacks': [],
        }),
      },
    });
    const template = JSON.parse(readFileSync(join(outdir, 'Threadline-local.template.json'), 'utf8')) as CfnTemplate;
    expect(unsupported(template)).toEqual([]);
    expect(resourcesOfType(template, 'AWS::Lambda::Url')).toHaveLength(1);
  });
});
