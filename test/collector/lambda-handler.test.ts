/**
 * The deployed entry point: `handler` from lambdas/collector/handler.ts, configured only through the
 * environment the CDK stack sets (stream name, AWS_ENDPOINT_URL_KINESIS, key store), invoked with
 * API Gateway HTTP API payload-2.0 events. Kinesis is kinesalite.
 */

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalKinesis, startLocalKinesis } from '../../local/kinesis.js';

let kinesis: LocalKinesis;
const KEY = 'tl_lambda_test_key';

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  await kinesis.ensureStream('lambda-events', 1);
  vi.stubEnv('THREADLINE_STREAM_NAME', 'lambda-events');
  vi.stubEnv('AWS_ENDPOINT_URL_KINESIS', kinesis.endpoint);
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv(
    'THREADLINE_SOURCES_JSON',
    JSON.stringify([{ keyHash: createHash('sha256').update(KEY).digest('hex'), name: 'lambda-src', defaultChannel: 'web' }]),
  );
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await kinesis.close();
});

function event(body: Buffer | string, headers: Record<string, string>, path = '/v1/batch', method = 'POST'): APIGatewayProxyEventV2 {
  const binary = Buffer.isBuffer(body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: 'id',
      routeKey: '$default',
      stage: '$default',
      time: '29/Nov/2026:05:00:00 +0000',
      timeEpoch: 0,
    },
    body: binary ? body.toString('base64') : body,
    isBase64Encoded: binary,
  };
}

describe('Lambda handler from environment', () => {
  it('accepts a gzip, base64-encoded batch and writes it to the configured stream', async () => {
    const { handler } = await import('../../lambdas/collector/handler.js');
    const body = gzipSync(
      JSON.stringify({ batch: [{ type: 'track', userId: 'u-l', event: 'Lambda Works', messageId: 'lam-1' }], writeKey: KEY }),
    );
    const res = await handler(event(body, { 'content-encoding': 'gzip', 'content-type': 'application/x-www-form-urlencoded' }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({ success: true, accepted: 1, rejected: [] });
    const recs = await kinesis.readAll('lambda-events');
    const env = JSON.parse(Buffer.from(recs[0]!.data).toString());
    expect(env).toMatchObject({
      v: 1,
      kind: 'event',
      source: { id: 'lambda-src', name: 'lambda-src', defaultChannel: 'web' },
      clientIp: '203.0.113.9',
    });
    expect(env.event.messageId).toBe('lam-1');
    expect(recs[0]!.partitionKey).toBe('u-l');
  });

  it('answers health, preflight and refusals without touching the stream', async () => {
    const { handler } = await import('../../lambdas/collector/handler.js');
    expect((await handler(event('', {}, '/health', 'GET'))).statusCode).toBe(200);
    expect((await handler(event('', { origin: 'https://a.example' }, '/v1/batch', 'OPTIONS'))).statusCode).toBe(204);
    const unauthorized = await handler(event('{"batch":[]}', { authorization: `Basic ${Buffer.from('nope:').toString('base64')}` }));
    expect(unauthorized.statusCode).toBe(401);
    expect(JSON.parse(unauthorized.body!).error.reason).toBe('unauthorized');
  });
});
