/**
 * Fault injection for Kinesis PutRecords on a REAL KinesisClient talking to kinesalite. The only stub
 * in the collector tests, and it imitates the real API exactly:
 *   - partial failure: the chosen records are withheld from the real call and reported back in their
 *     request positions as { ErrorCode, ErrorMessage } with FailedRecordCount counting them (the
 *     others really are written to kinesalite);
 *   - total failure: a ProvisionedThroughputExceededException service error, as the SDK raises it for
 *     an HTTP 400 with that __type.
 */
import {
  KinesisClient,
  ProvisionedThroughputExceededException,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { LocalKinesis } from '../../local/kinesis.js';

export type Fault =
  | { kind: 'none' }
  | { kind: 'partial'; fail: Array<{ index: number; code: 'ProvisionedThroughputExceededException' | 'InternalFailure' }> }
  | { kind: 'throw'; error: Error };

export interface FaultyClient {
  client: KinesisClient;
  /** Record sizes of every PutRecords call that reached the middleware, in order. */
  calls: number[];
}

export function throttled(streamName = 'stream'): Error {
  return new ProvisionedThroughputExceededException({
    message: `Rate exceeded for shard shardId-000000000000 in stream ${streamName} under account 123456789012.`,
    $metadata: { httpStatusCode: 400, requestId: 'c0ffee00-0000-4000-8000-000000000000', attempts: 1, totalRetryDelay: 0 },
  });
}

const MESSAGES = {
  ProvisionedThroughputExceededException: 'Rate exceeded for shard shardId-000000000000 in stream stream under account 123456789012.',
  InternalFailure: 'Internal service failure.',
};

export function faultyClient(kinesis: LocalKinesis, plan: (call: number, records: number) => Fault): FaultyClient {
  const client = new KinesisClient({
    endpoint: kinesis.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
  const calls: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const input = args.input as PutRecordsCommandInput;
      const records = input.Records ?? [];
      const fault = plan(calls.length, records.length);
      calls.push(records.length);
      if (fault.kind === 'throw') throw fault.error;
      if (fault.kind === 'none') return next(args);
      const failing = new Map(fault.fail.filter((f) => f.index < records.length).map((f) => [f.index, f.code]));
      const kept = records.filter((_, i) => !failing.has(i));
      let written: PutRecordsResultEntry[] = [];
      let response: unknown;
      let metadata: PutRecordsCommandOutput['$metadata'] = { httpStatusCode: 200 };
      if (kept.length > 0) {
        const real = await next({ ...args, input: { ...input, Records: kept } });
        const out = real.output as PutRecordsCommandOutput;
        written = out.Records ?? [];
        response = real.response;
        metadata = out.$metadata;
      }
      let j = 0;
      const merged: PutRecordsResultEntry[] = records.map((_, i) => {
        const code = failing.get(i);
        return code ? { ErrorCode: code, ErrorMessage: MESSAGES[code] } : written[j++]!;
      });
      const output: PutRecordsCommandOutput = {
        $metadata: metadata,
        FailedRecordCount: merged.filter((r) => r.ErrorCode).length,
        Records: merged,
        EncryptionType: 'NONE',
      };
      return { output, response } as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: 'threadlineFaultInjection' },
  );
  return { client, calls };
}
