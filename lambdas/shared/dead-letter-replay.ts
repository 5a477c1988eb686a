/**
 * Replay of the processor's dead letters: for each on-failure message in the SQS queue, read the
 * batch's records back from the stream (GetShardIterator AT_SEQUENCE_NUMBER + GetRecords up to the end
 * sequence number), put them on the stream again, and delete the message only once every record is
 * stored. A failure at any step leaves the message in the queue (it reappears after its visibility
 * timeout), so a replay can always be run again.
 *
 * Running it twice, or a crash between the put and the delete, puts some records twice. That is safe:
 * a re-put record carries the same envelope (same messageId); identity stitching is idempotent, and the
 * lake is read through views that keep one row per message_id (events_deduped).
 */
import { type _Record, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { compareSequence, type DeadLetterBatch, parseDeadLetter } from './dead-letter-record.js';

/** What the replay writes with: the collector's retrying Kinesis writer fits (lambdas/collector/kinesis-writer.ts). */
export interface ReplaySink {
  put(records: Array<{ partitionKey: string; data: Uint8Array }>): Promise<{ ok: boolean; failed: number; lastError?: string }>;
}

export interface ReplayOptions {
  sqs: SQSClient;
  kinesis: KinesisClient;
  queueUrl: string;
  /** A writer for a stream name. Default target: the stream the dead letter points into. */
  sinkFor: (streamName: string) => ReplaySink;
  /** Put the records here instead of back on their own stream (e.g. a replay stream). */
  targetStream?: string;
  /** Stop after this many messages (default: until the queue answers empty). */
  maxMessages?: number;
  /** Read and check the records, put nothing, delete nothing. */
  dryRun?: boolean;
  /** Seconds a received message stays hidden from other readers while it is replayed. */
  visibilityTimeoutSeconds?: number;
  /** Upper bound of GetRecords calls for one batch (a safety net against an endless empty shard). */
  maxReadsPerBatch?: number;
  onProgress?: (outcome: MessageOutcome) => void;
}

export type MessageOutcome =
  | { messageId: string; status: 'replayed' | 'checked'; batch: DeadLetterBatch; records: number; target: string }
  | { messageId: string; status: 'kept'; reason: FailureCode; detail: string; batch?: DeadLetterBatch };

export type FailureCode = 'malformed' | 'records_unavailable' | 'read_failed' | 'put_failed' | 'delete_failed';

export interface ReplayReport {
  messages: number;
  replayed: number;
  kept: number;
  recordsPut: number;
  outcomes: MessageOutcome[];
}

/** Why a batch's records could not be read in full. */
class Unavailable extends Error {}

/** The records [start, end] of one shard, or Unavailable when the stream no longer holds all of them. */
export async function readBatchRecords(kinesis: KinesisClient, batch: DeadLetterBatch, maxReads = 10_000): Promise<_Record[]> {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: batch.streamName,
      ShardId: batch.shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: batch.startSequenceNumber,
    }),
  );
  const out: _Record[] = [];
  let iterator = ShardIterator;
  let reachedEnd = false;
  for (let reads = 0; iterator && !reachedEnd && reads < maxReads; reads++) {
    const res = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    for (const r of res.Records ?? []) {
      const order = compareSequence(r.SequenceNumber ?? '0', batch.endSequenceNumber);
      if (order <= 0) out.push(r);
      if (order >= 0) {
        reachedEnd = true;
        break;
      }
    }
    // Caught up with the shard's tip without reaching the end: the range is not (or no longer) there.
    if ((res.Records ?? []).length === 0 && res.MillisBehindLatest === 0) break;
    iterator = res.NextShardIterator;
  }
  // A trimmed start makes AT_SEQUENCE_NUMBER begin later than asked (or fail): the first records are gone.
  if (out.length === 0 || out[0]!.SequenceNumber !== batch.startSequenceNumber) {
    throw new Unavailable(`the stream no longer holds ${batch.startSequenceNumber} on ${batch.shardId} (retention passed?)`);
  }
  if (!reachedEnd) throw new Unavailable(`read stopped before ${batch.endSequenceNumber} on ${batch.shardId}`);
  return out;
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

export async function replayDeadLetters(opts: ReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = { messages: 0, replayed: 0, kept: 0, recordsPut: 0, outcomes: [] };
  const seen = new Set<string>();
  const limit = opts.maxMessages ?? Number.POSITIVE_INFINITY;
  const record = (o: MessageOutcome) => {
    report.outcomes.push(o);
    if (o.status === 'kept') report.kept++;
    else report.replayed++;
    opts.onProgress?.(o);
  };

  while (report.messages < limit) {
    const res = await opts.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: opts.queueUrl,
        MaxNumberOfMessages: Math.min(10, limit - report.messages),
        VisibilityTimeout: opts.visibilityTimeoutSeconds ?? 300,
        WaitTimeSeconds: 0,
      }),
    );
    const messages = (res.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (messages.length === 0) break;
    for (const m of messages) {
      const messageId = m.MessageId!;
      seen.add(messageId);
      report.messages++;
      const parsed = parseDeadLetter(m.Body);
      if (!parsed.ok) {
        record({ messageId, status: 'kept', reason: 'malformed', detail: parsed.problem });
        continue;
      }
      const batch = parsed.batch;
      let records: _Record[];
      try {
        records = await readBatchRecords(opts.kinesis, batch, opts.maxReadsPerBatch);
      } catch (err) {
        const gone = err instanceof Unavailable || ['ResourceNotFoundException', 'InvalidArgumentException'].includes((err as Error).name);
        const reason = gone ? 'records_unavailable' : 'read_failed';
        record({ messageId, status: 'kept', reason, detail: describe(err), batch });
        continue;
      }
      const target = opts.targetStream ?? batch.streamName;
      if (opts.dryRun) {
        record({ messageId, status: 'checked', batch, records: records.length, target });
        continue;
      }
      const put = await opts
        .sinkFor(target)
        .put(records.map((r) => ({ partitionKey: r.PartitionKey!, data: r.Data! })))
        .catch((err: unknown) => ({ ok: false, failed: records.length, lastError: describe(err) }));
      if (!put.ok) {
        record({
          messageId,
          status: 'kept',
          reason: 'put_failed',
          detail: `${put.failed} record(s) not stored (${put.lastError ?? 'unknown'})`,
          batch,
        });
        continue;
      }
      report.recordsPut += records.length;
      try {
        await opts.sqs.send(new DeleteMessageCommand({ QueueUrl: opts.queueUrl, ReceiptHandle: m.ReceiptHandle }));
      } catch (err) {
        record({ messageId, status: 'kept', reason: 'delete_failed', detail: `records re-put, message kept: ${describe(err)}`, batch });
        continue;
      }
      record({ messageId, status: 'replayed', batch, records: records.length, target });
    }
  }
  return report;
}
