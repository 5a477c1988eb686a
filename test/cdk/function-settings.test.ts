/**
 * Configuration that reaches the deployed code: `-c threadline.*` context -> lib/config.ts -> the
 * synthesized functions' environment -> the handlers. Both handlers are then run with the environment
 * taken from the template (resource references replaced by local stand-ins: dynalite, the local
 * Firehose endpoint and a Secrets Manager stand-in for the processor; kinesalite and an SSM stand-in
 * for the collector) to show the settings change what they do.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { phoneHash } from '../../domain/enrich/pii.js';
import { configFromEnv as collectorConfigFromEnv } from '../../lambdas/collector/config.js';
import { partitionKeyOf } from '../../lambdas/collector/envelope.js';
import { createSsmKeyStore } from '../../lambdas/collector/sources/ssm-store.js';
import { configFromEnv } from '../../lambdas/processor/config.js';
import { createSsmClient } from '../../lambdas/shared/clients/ssm.js';
import { FUNCTION_CONFIG_VAR } from '../../lambdas/shared/function-config.js';
import { configFromContext } from '../../lib/config.js';
import { ThreadlineStack } from '../../lib/threadline-stack.js';
import { type LocalDynamo, startLocalDynamo } from '../../local/dynamodb.js';
import { type LocalFirehose, startLocalFirehose } from '../../local/firehose-server.js';
import { type LocalKinesis, startLocalKinesis } from '../../local/kinesis.js';
import { type SsmStandIn, startSsmStandIn } from '../collector/ssm-standin.js';
import { envelope, kEvent, kRecord, MemorySink } from '../processor/helpers.js';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '../processor/secrets-manager-standin.js';
import { type CfnTemplate, logicalIdOf, resourcesOfType, statementsOfRole } from './helpers.js';

/** Synthesize as bin/threadline.ts does: configuration from the app's context (`-c` keys are strings). */
function synthWithContext(context: Record<string, string>) {
  const outdir = mkdtempSync(join(tmpdir(), 'threadline-cdk-settings-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const config = configFromContext(app.node.getAllContext());
  const stack = new ThreadlineStack(app, `Threadline-${config.stage}`, { config });
  app.synth();
  const json = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), 'utf8')) as CfnTemplate;
  const envOf = (f: { fn: unknown }) =>
    json.Resources[logicalIdOf(stack, f.fn)]!.Properties!.Environment.Variables as Record<string, unknown>;
  return { stack, json, processorEnv: envOf(stack.processor.function), collectorEnv: envOf(stack.collector.function) };
}

let synthesized: ReturnType<typeof synthWithContext>;
let defaults: ReturnType<typeof synthWithContext>;

beforeAll(() => {
  process.env.CDK_VALIDATION = 'false';
  synthesized = synthWithContext({
    'threadline.identity.maxUsers': '2',
    'threadline.defaultPhoneRegion': 'GB',
    'threadline.consent.mode': 'drop',
    'threadline.consent.categories': 'analytics,advertising',
    'threadline.views.conversionEvents': '["Order Completed","Purchase"]',
    'threadline.collector.allowedOrigins': 'https://shop.example.com',
    'threadline.processor.parallelizationFactor': '6',
  });
  defaults = synthWithContext({});
  delete process.env.CDK_VALIDATION;
});

describe('synthesized environment', () => {
  it('-c threadline.identity.maxUsers=2 and the other settings reach the processor through THREADLINE_CONFIG', () => {
    const env = synthesized.processorEnv;
    expect(typeof env[FUNCTION_CONFIG_VAR]).toBe('string');
    const c = configFromEnv({ ...(env as Record<string, string>), THREADLINE_HASH_KEY: 'x' });
    expect(c.identity.maxUsers).toEqual({ anonymous_id: 2, device_id: 2, email_hash: 2, phone_hash: 2, loyalty_id: 2, crm_id: 2 });
    expect(c.defaultPhoneRegion).toBe('GB');
    expect(c.consent).toEqual({ mode: 'drop', categories: ['analytics', 'advertising'] });
    // The processor's conversion list IS the views' list (one setting).
    expect(c.conversionEvents).toEqual(['Order Completed', 'Purchase']);
    expect(c.conversionEvents).toEqual([...configFromContext(synthesized.stack.node.getAllContext()).views.conversionEvents]);
  });

  it('the collector gets its origins through the same variable', () => {
    expect(collectorConfigFromEnv(synthesized.collectorEnv as Record<string, string>).allowedOrigins).toEqual(['https://shop.example.com']);
    expect(collectorConfigFromEnv(defaults.collectorEnv as Record<string, string>).allowedOrigins).toEqual(['*']);
  });

  it('defaults: the processor runs with the documented defaults (maxUsers 1, strip analytics, US, Order Completed)', () => {
    const c = configFromEnv({ ...(defaults.processorEnv as Record<string, string>), THREADLINE_HASH_KEY: 'x' });
    expect(c.identity.maxUsers.device_id).toBe(1);
    expect(c.consent).toEqual({ mode: 'strip', categories: ['analytics'] });
    expect(c.defaultPhoneRegion).toBe('US');
    expect(c.conversionEvents).toEqual(['Order Completed']);
  });

  it('no function environment holds the hash key or any secret reference; the processor names the secret by ARN', () => {
    for (const [id, fn] of resourcesOfType(synthesized.json, 'AWS::Lambda::Function')) {
      const text = JSON.stringify(fn.Properties?.Environment ?? {});
      expect({ id, leaks: text.includes('resolve:secretsmanager') }).toEqual({ id, leaks: false });
    }
    const secret = logicalIdOf(synthesized.stack, synthesized.stack.hashKey);
    expect(synthesized.processorEnv.THREADLINE_HASH_KEY_SECRET).toEqual({ Ref: secret });
    expect(synthesized.processorEnv.THREADLINE_HASH_KEY).toBeUndefined();
  });

  it('the processor role may GetSecretValue on the hash key secret only', () => {
    const role = logicalIdOf(synthesized.stack, synthesized.stack.processor.function.role);
    const sm = statementsOfRole(synthesized.json, role).filter((s) => JSON.stringify(s.Action).includes('secretsmanager:'));
    expect(sm).toEqual([
      expect.objectContaining({
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: logicalIdOf(synthesized.stack, synthesized.stack.hashKey) },
      }),
    ]);
  });

  it('POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE are set per function by the stack', () => {
    expect(synthesized.processorEnv.POWERTOOLS_SERVICE_NAME).toBe('threadline-processor');
    expect(synthesized.collectorEnv.POWERTOOLS_SERVICE_NAME).toBe('threadline-collector');
    expect(synthesized.processorEnv.POWERTOOLS_METRICS_NAMESPACE).toBe('Threadline');
  });

  it('parallelization: 4 batches per shard by default (a full shard drained), configurable, order kept per person key', () => {
    const factor = (t: CfnTemplate) => resourcesOfType(t, 'AWS::Lambda::EventSourceMapping')[0]![1].Properties!.ParallelizationFactor;
    expect(factor(defaults.json)).toBe(4);
    expect(factor(synthesized.json)).toBe(6);
    // Lambda orders records per partition key: the collector's key is the person's identifier.
    expect(partitionKeyOf({ userId: 'u-1', anonymousId: 'a-1', messageId: 'm' })).toBe('u-1');
    expect(partitionKeyOf({ anonymousId: 'a-1', messageId: 'm' })).toBe('a-1');
  });

  it('a setting the functions could not read fails the synth, naming the key', () => {
    expect(() => synthWithContext({ 'threadline.defaultPhoneRegion': 'UK' })).toThrow(/defaultPhoneRegion: must be an upper-case ISO/);
    expect(() => synthWithContext({ 'threadline.identity.maxUsers': '0' })).toThrow(/identity\.maxUsers/);
    expect(() => synthWithContext({ 'threadline.identity.maxUsers.printer_id': '2' })).toThrow(/identity\.maxUsers/);
  });
});

describe('the processor handler, run with the synthesized environment', () => {
  const KEY = 'synth-test-hmac-key-0123456789abcdef0123456789abcdef';
  const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:HashKey-AbCdEf';
  const sink = new MemorySink();
  const saved = { ...process.env };
  let dynamo: LocalDynamo;
  let fh: LocalFirehose;
  let sm: SecretsManagerStandIn;
  const stdout: string[] = [];

  beforeAll(async () => {
    [dynamo, fh, sm] = await Promise.all([startLocalDynamo(), startLocalFirehose({ sink }), startSecretsManagerStandIn()]);
    await dynamo.ensureTable('settings-identity');
    sm.secrets.set(SECRET_ARN, KEY);
    // Resource references become the stand-ins' names; every literal value is used as synthesized.
    const local: Record<string, string> = {
      THREADLINE_EVENTS_STREAM: 'ev',
      THREADLINE_IDENTITY_STREAM: 'id',
      THREADLINE_FAILED_STREAM: 'fail',
      THREADLINE_IDENTITY_TABLE: 'settings-identity',
      THREADLINE_HASH_KEY_SECRET: SECRET_ARN,
    };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(synthesized.processorEnv)) {
      if (typeof v === 'string') env[k] = v;
      else if (local[k]) env[k] = local[k]!;
      else throw new Error(`no local value for ${k}`);
    }
    delete process.env.THREADLINE_HASH_KEY;
    Object.assign(process.env, env, {
      AWS_LAMBDA_FUNCTION_NAME: 'threadline-processor-test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_FIREHOSE: fh.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_DEV;
    // Metrics are EMF lines on stdout.
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.includes('"_aws"')) {
        stdout.push(text);
        return true;
      }
      return write(chunk, ...(rest as []));
    }) as typeof process.stdout.write);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    process.env = saved;
    await Promise.all([fh.close(), dynamo.close(), sm.close()]);
  });

  it('hashes a UK national phone with the key from Secrets Manager and keeps a Purchase conversion’s revenue', async () => {
    const { handler } = await import('../../lambdas/processor/handler.js');
    const res = await handler(
      kEvent([
        kRecord(envelope({ type: 'identify', messageId: 'S1', userId: 'u-1', traits: { phone: '07911 123456' } }), 'u-1'),
        kRecord(
          envelope({
            type: 'track',
            messageId: 'S2',
            userId: 'u-1',
            event: 'Purchase',
            properties: { order_id: 'o-9', revenue: 42.5, currency: 'gbp' },
          }),
          'u-1',
        ),
      ]),
    );
    expect(res).toEqual({ batchItemFailures: [] });
    const rows = Object.fromEntries(sink.rows('ev').map((r) => [r.message_id, r]));
    // Hand-checked: 07911 123456 in GB is +447911123456; with the default US region it is not a number.
    expect(phoneHash(KEY, '07911 123456', 'US')).toBeUndefined();
    expect(rows.S1!.phone_hash).toBe(phoneHash(KEY, '+447911123456', 'GB'));
    expect(rows.S2).toMatchObject({ event_name: 'Purchase', order_id: 'o-9', revenue: 42.5, currency: 'GBP' });
    expect(sm.calls).toEqual({ GetSecretValue: 1 });
    // A second invocation reuses the container's key.
    await handler(kEvent([kRecord(envelope({ type: 'track', messageId: 'S3', userId: 'u-1', event: 'Viewed' }), 'u-1')]));
    expect(sm.calls).toEqual({ GetSecretValue: 1 });
  });

  it('metrics carry the namespace and service name the stack set', () => {
    expect(stdout.length).toBeGreaterThan(0);
    const emf = JSON.parse(stdout[0]!.trim().split('\n')[0]!) as { _aws: { CloudWatchMetrics: { Namespace: string }[] }; service: string };
    expect(emf._aws.CloudWatchMetrics[0]!.Namespace).toBe(synthesized.processorEnv.POWERTOOLS_METRICS_NAMESPACE);
    expect(emf.service).toBe(synthesized.processorEnv.POWERTOOLS_SERVICE_NAME);
  });
});

describe('the collector handler, run with the synthesized environment', () => {
  const saved = { ...process.env };
  let kinesis: LocalKinesis;
  let ssm: SsmStandIn;
  let writeKey: string;
  const emf: string[] = [];

  beforeAll(async () => {
    [kinesis, ssm] = await Promise.all([startLocalKinesis(), startSsmStandIn()]);
    await kinesis.ensureStream('settings-events', 1);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(synthesized.collectorEnv)) {
      if (typeof v === 'string') env[k] = v;
      else if (k === 'THREADLINE_STREAM_NAME') env[k] = 'settings-events';
      else throw new Error(`no local value for ${k}`);
    }
    const store = createSsmKeyStore({
      ssm: createSsmClient({ endpoint: ssm.endpoint, region: 'us-east-1' }),
      prefix: env.THREADLINE_SSM_PREFIX!,
    });
    writeKey = (await store.add({ name: 'web' })).writeKey;
    Object.assign(process.env, env, {
      AWS_LAMBDA_FUNCTION_NAME: 'threadline-collector-test',
      AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_DEV;
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.includes('"_aws"')) {
        emf.push(text);
        return true;
      }
      return write(chunk, ...(rest as []));
    }) as typeof process.stdout.write);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    process.env = saved;
    await Promise.all([kinesis.close(), ssm.close()]);
  });

  const post = (origin: string) =>
    ({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/v1/track',
      rawQueryString: '',
      headers: {
        origin,
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      },
      requestContext: {
        accountId: '123456789012',
        apiId: 'api',
        domainName: 'api.example.com',
        domainPrefix: 'api',
        http: { method: 'POST', path: '/v1/track', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
        requestId: 'id',
        routeKey: '$default',
        stage: '$default',
        time: '29/Nov/2026:05:00:00 +0000',
        timeEpoch: 0,
      },
      body: JSON.stringify({ event: 'Viewed', anonymousId: 'a-1' }),
      isBase64Encoded: false,
    }) as never;

  it('allows the configured origin only, and reports metrics under the stack’s service name', async () => {
    const { handler } = await import('../../lambdas/collector/handler.js');
    const ok = await handler(post('https://shop.example.com'));
    expect(ok.statusCode).toBe(200);
    const refused = await handler(post('https://elsewhere.example.com'));
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(String(refused.body)).error.reason).toBe('origin_not_allowed');
    expect(emf.length).toBeGreaterThan(0);
    const line = JSON.parse(emf[0]!.trim().split('\n')[0]!) as { _aws: { CloudWatchMetrics: { Namespace: string }[] }; service: string };
    expect(line.service).toBe('threadline-collector');
    expect(line._aws.CloudWatchMetrics[0]!.Namespace).toBe('Threadline');
  });
});
