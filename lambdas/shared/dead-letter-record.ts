/**
 * The processor's dead letters: what Lambda puts on the SQS on-failure destination of a Kinesis event
 * source mapping when it gives up on a batch (retries exhausted or records older than MaximumRecordAge).
 * The message holds no record data, only a pointer into the stream:
 *
 *   { "requestContext": { "condition": "RetryAttemptsExhausted", ... }, "version": "1.0", "timestamp": ...,
 *     "KinesisBatchInfo": { "shardId", "startSequenceNumber", "endSequenceNumber", "batchSize",
 *                           "streamArn", "approximateArrivalOfFirstRecord", ... } }
 *
 * so the records can be replayed only while the stream still retains them. Pure parsing and sequence
 * arithmetic; the I/O is in dead-letter-replay.ts.
 */
import { z } from 'zod';

const sequenceNumber = z.string().regex(/^\d{1,128}$/, 'must be a decimal Kinesis sequence number');

const kinesisBatchInfoSchema = z.object({
  shardId: z.string().min(1),
  startSequenceNumber: sequenceNumber,
  endSequenceNumber: sequenceNumber,
  batchSize: z.number().int().positive().optional(),
  streamArn: z.string().regex(/^arn:aws[a-z-]*:kinesis:[a-z0-9-]*:\d*:stream\/[A-Za-z0-9_.-]{1,128}$/, 'must be a Kinesis stream ARN'),
  approximateArrivalOfFirstRecord: z.string().optional(),
  approximateArrivalOfLastRecord: z.string().optional(),
});

const onFailureRecordSchema = z.object({
  requestContext: z.object({ condition: z.string().optional(), functionArn: z.string().optional() }).optional(),
  timestamp: z.string().optional(),
  KinesisBatchInfo: kinesisBatchInfoSchema,
});

export interface DeadLetterBatch {
  readonly streamArn: string;
  readonly streamName: string;
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  /** Records in the batch as Lambda counted them, when it says. */
  readonly batchSize?: number;
  /** Why Lambda gave up (RetryAttemptsExhausted, RecordAgeExceeded, ...), when it says. */
  readonly condition?: string;
}

export type ParsedDeadLetter = { ok: true; batch: DeadLetterBatch } | { ok: false; problem: string };

/** `arn:aws:kinesis:eu-west-1:123456789012:stream/threadline-dev-events` -> `threadline-dev-events`. */
export function streamNameFromArn(arn: string): string {
  return arn.slice(arn.indexOf(':stream/') + ':stream/'.length);
}

/** Parse one SQS message body. Never throws: a malformed message is described, not fatal. */
export function parseDeadLetter(body: string | undefined): ParsedDeadLetter {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return { ok: false, problem: 'body is not JSON' };
  }
  const parsed = onFailureRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, problem: `not a Kinesis on-failure record: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  const info = parsed.data.KinesisBatchInfo;
  if (compareSequence(info.startSequenceNumber, info.endSequenceNumber) > 0) {
    return { ok: false, problem: 'KinesisBatchInfo: startSequenceNumber is after endSequenceNumber' };
  }
  const batch: DeadLetterBatch = {
    streamArn: info.streamArn,
    streamName: streamNameFromArn(info.streamArn),
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    ...(info.batchSize !== undefined ? { batchSize: info.batchSize } : {}),
    ...(parsed.data.requestContext?.condition ? { condition: parsed.data.requestContext.condition } : {}),
  };
  return { ok: true, batch };
}

/** Sequence numbers are decimal strings longer than 2^53: compare them as big integers. */
export function compareSequence(a: string, b: string): -1 | 0 | 1 {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
