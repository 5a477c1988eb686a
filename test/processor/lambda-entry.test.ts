/**
 * The Lambda entry as deployed: configuration from the environment, SDK clients built by the shared
 * factories from AWS_ENDPOINT_URL_* (here pointed at dynalite and the local Firehose endpoint).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, DEV_HASH_KEY } from '../../lambdas/processor/config.js';
import { chunk, MAX_BYTES_PER_CALL, MAX_RECORDS_PER_CALL, pack } from '../../lambdas/processor/output/firehose.js';
import { DEFAULT_PROCESSOR_SETTINGS } from '../../lambdas/shared/function-config.js';
import { type LocalDynamo, startLocalDynamo } from '../../local/dynamodb.js';
import { type LocalFirehose, startLocalFirehose } from '../../local/firehose-server.js';
import { envelope, kEvent, kRecord, MemorySink } from './helpers.js';

let dynamo: LocalDynamo;
let fh: LocalFirehose;
const sink = new MemorySink();
const saved = { ...process.env };

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  fh = await startLocalFirehose({ sink });
  await dynamo.ensureTable('lambda-identity');
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_FIREHOSE: fh.endpoint,
    AWS_REGION: 'us-east-1',
    THREADLINE_IDENTITY_TABLE: 'lambda-identity',
    THREADLINE_EVENTS_STREAM: 'ev',
    THREADLINE_IDENTITY_STREAM: 'id',
    THREADLINE_FAILED_STREAM: 'fail',
    THREADLINE_HASH_KEY: 'lambda-test-key',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});
afterAll(async () => {
  process.env = saved;
  await fh.close();
  await dynamo.close();
});

describe('Lambda entry', () => {
  it('handler() processes a Kinesis event end to end with env configuration', async () => {
    const { handler } = await import('../../lambdas/processor/handler.js');
    const res = await handler(
      kEvent([kRecord(envelope({ type: 'identify', messageId: 'L1', userId: 'u', anonymousId: 'a' })), kRecord('nope')]),
    );
    expect(res).toEqual({ batchItemFailures: [] });
    expect(sink.rows('ev').map((r) => r.message_id)).toEqual(['L1']);
    expect(sink.rows('fail').map((r) => r.reason)).toEqual(['bad_json']);
    expect(sink.rows('id')).toHaveLength(1);
  });

  it('configFromEnv: the hash key is mandatory in Lambda, a dev key locally; guard rails from THREADLINE_CONFIG', () => {
    expect(() => configFromEnv({ AWS_LAMBDA_FUNCTION_NAME: 'fn' })).toThrow(/THREADLINE_HASH_KEY/);
    expect(configFromEnv({}).hashKey).toBe(DEV_HASH_KEY);
    const settings = {
      identity: { maxUsers: { device_id: 3 }, mergeWeakOnly: false, priority: DEFAULT_PROCESSOR_SETTINGS.identity.priority },
      consent: { mode: 'drop', categories: ['Analytics', 'Personalisation'] },
      defaultPhoneRegion: 'US',
      conversionEvents: ['Order Completed'],
    };
    const c = configFromEnv({ THREADLINE_CONFIG: JSON.stringify(settings) });
    expect(c.identity.maxUsers.device_id).toBe(3);
    expect(c.identity.maxUsers.anonymous_id).toBe(1);
    expect(c.consent).toEqual({ mode: 'drop', categories: ['Analytics', 'Personalisation'] });
    const bad = (patch: object) => configFromEnv({ THREADLINE_CONFIG: JSON.stringify({ ...settings, ...patch }) });
    expect(() => bad({ consent: { mode: 'maybe', categories: [] } })).toThrow(/THREADLINE_CONFIG is invalid: consent\.mode/);
    expect(() => bad({ identity: { ...settings.identity, priority: ['crm_id', 'user_id'] } })).toThrow(/user_id first/);
    expect(() => bad({ identity: { ...settings.identity, maxUsers: { bogus: 2 } } })).toThrow(/identity\.maxUsers/);
    expect(() => configFromEnv({ THREADLINE_CONFIG: '{' })).toThrow(/THREADLINE_CONFIG is not JSON/);
  });
});

describe('packing rows into Firehose records', () => {
  const row = (stream: string, origin: number, bytes: number) => ({ stream, data: Buffer.from(`${'x'.repeat(bytes - 1)}\n`), origin });
  it('joins consecutive rows per stream up to the limit, keeps order, carries the lowest origin', () => {
    const rows = [row('a', 0, 2000), row('b', 0, 100), row('a', 1, 2000), row('a', 2, 2000), row('b', 2, 100), row('a', 3, 6000)];
    const out = pack(rows, 5120);
    expect(out.map((r) => [r.stream, r.origin, r.data.length])).toEqual([
      ['a', 0, 4000],
      ['b', 0, 200],
      ['a', 2, 2000],
      ['a', 3, 6000], // larger than the limit: alone, never split
    ]);
    expect(Buffer.concat(out.filter((r) => r.stream === 'a').map((r) => r.data)).length).toBe(12000);
    expect(pack(rows, 0)).toBe(rows);
  });
});

describe('PutRecordBatch chunking', () => {
  it('splits at 500 records and at 4 MiB, keeping order', () => {
    const small = Array.from({ length: 1_201 }, (_, i) => ({ stream: 's', data: Buffer.from(`${i}\n`), origin: i }));
    expect(chunk(small).map((c) => c.length)).toEqual([MAX_RECORDS_PER_CALL, MAX_RECORDS_PER_CALL, 201]);
    const big = Array.from({ length: 9 }, (_, i) => ({ stream: 's', data: Buffer.alloc(900 * 1024), origin: i }));
    const parts = chunk(big);
    for (const p of parts) expect(p.reduce((n, r) => n + r.data.length, 0)).toBeLessThanOrEqual(MAX_BYTES_PER_CALL);
    expect(parts.map((p) => p.length)).toEqual([4, 4, 1]);
    expect(parts.flat().map((r) => r.origin)).toEqual(big.map((r) => r.origin));
  });
});
