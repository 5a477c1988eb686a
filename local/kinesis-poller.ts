/**
 * A local stand-in for the Lambda Kinesis event source mapping: it polls every shard of a stream
 * and invokes the SAME handler the Lambda runs, with a real-shaped KinesisStreamEvent.
 *
 * Semantics imitated (AWS: "Using Lambda with Kinesis"):
 *   - per shard, in order, one batch in flight; batches of up to `batchSize`, waiting up to
 *     `maximumBatchingWindowMs` to fill one;
 *   - a checkpoint per shard (persisted to `checkpointFile`): restart resumes AFTER_SEQUENCE_NUMBER,
 *     otherwise TRIM_HORIZON (or LATEST);
 *   - ReportBatchItemFailures: records before the lowest reported sequence number are checkpointed,
 *     the batch is retried from it; an unknown/empty itemIdentifier fails the whole batch;
 *   - a thrown handler error retries the whole batch, or with `bisectBatchOnFunctionError` splits
 *     it in two and processes each half on its own (so a poison record ends up alone);
 *   - after `maximumRetryAttempts` retries the records go to `onFailure` (the on-failure destination)
 *     and the shard moves on;
 *   - `maximumRecordAgeSeconds`: before each invocation (first or retry), records that arrived in the
 *     stream (ApproximateArrivalTimestamp) longer ago than that are not sent to the handler again:
 *     they go to `onFailure` with reason 'record_age_exceeded' and the shard moves on. As in AWS,
 *     this also drops a backlog that is older than the limit when it is first read.
 * Both limits default to -1 (unlimited), AWS's defaults: with neither set, a record the handler keeps
 * failing on blocks its shard (retried, with backoff, until stop()), exactly as it would on AWS until
 * the stream's retention expires it. Callers that want poison records routed away set a limit (the
 * local pipeline sets maximumRetryAttempts: 10).
 *
 * A shard loop never ends on an error (only when its shard is closed, or on stop()). Whatever fails
 * (GetRecords, an expired iterator, a checkpoint that cannot be written, an on-failure destination
 * that cannot take records, a handler error classed by `isBackpressure`), the shard stalls: it drops
 * what it had read, waits (bounded exponential backoff) and reads again from its checkpoint, until it
 * gets through. A checkpoint is only advanced in memory after the handler succeeded, and the file is
 * rewritten before the shard reads anything further, so the file never points past unprocessed
 * records. A stall and its end are logged once each; health() shows them.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type _Record,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { sleep } from '../lambdas/index.js';

// biome-ignore lint/suspicious/noConfusingVoidType: the same return type as a Lambda Kinesis handler, which may return nothing
export type KinesisHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

export interface FailureInfo {
  shardId: string;
  /** What failed last; 'record_age_exceeded': the records passed maximumRecordAgeSeconds. */
  reason: 'handler_error' | 'batch_item_failures' | 'record_age_exceeded';
  /** Failed invocations that included these records. */
  attempts: number;
  records: KinesisStreamRecord[];
  error?: unknown;
}

export interface KinesisPollerOptions {
  client: KinesisClient;
  streamName: string;
  handler: KinesisHandler;
  /** Default 100 (the Lambda default). */
  batchSize?: number;
  /** Wait up to this long to fill a batch (default 0: invoke with what one GetRecords returned). */
  maximumBatchingWindowMs?: number;
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** JSON file holding { shardId: lastProcessedSequenceNumber }; omitted = in memory only. */
  checkpointFile?: string;
  /**
   * Retries after the first failed attempt; -1 (default, as AWS MaximumRetryAttempts) = no limit.
   * AWS range: -1..10000.
   */
  maximumRetryAttempts?: number;
  /**
   * Records older than this (by ApproximateArrivalTimestamp) are not invoked again but sent to
   * onFailure ('record_age_exceeded'). -1 (default, as AWS MaximumRecordAgeInSeconds) = no limit;
   * otherwise 60..604800, the range AWS accepts, so a local setting is also a valid deployed one.
   */
  maximumRecordAgeSeconds?: number;
  bisectBatchOnFunctionError?: boolean;
  /** Called with records that exhausted their retries (on-failure destination). */
  onFailure?: (info: FailureInfo) => void | Promise<void>;
  /** Pause when a shard is idle (default 100 ms). */
  pollIntervalMs?: number;
  /** Base delay before a retry, doubled each time, capped at 2 s (default 50 ms). */
  retryDelayMs?: number;
  region?: string;
  /** Clock for record ages, ms since the epoch (default Date.now; tests move it forward). */
  now?: () => number;
  /**
   * Handler errors meaning "the destination cannot take writes now" (a full or unwritable lake): the
   * shard stalls and retries from its checkpoint until the handler gets through; such errors never
   * bisect a batch, never count towards maximumRetryAttempts and never send records to onFailure.
   */
  isBackpressure?: (error: unknown) => boolean;
  /**
   * The handler only reports batch item failures for a transient cause (its contract: input it can
   * never process is routed by the handler itself), so the shard treats them like back-pressure:
   * records before the first failure are checkpointed, the rest retried from there without limit
   * (stall backoff), never sent to onFailure. Default false (AWS: they count towards the retry limit).
   */
  itemFailuresAreTransient?: boolean;
  /** Cap of the backoff between attempts of a stalled shard (default 5 s). */
  maxStallDelayMs?: number;
  /** Where stalls and recoveries are reported, one line per change (default console.error). */
  log?: (line: string) => void;
}

/** What a shard loop is doing. 'stalled': failing and retrying from its checkpoint. */
export type ShardPhase = 'starting' | 'running' | 'idle' | 'stalled' | 'ended' | 'stopped';

export interface ErrorInfo {
  message: string;
  code?: string;
  at: Date;
}

export interface ShardHealth {
  shardId: string;
  state: ShardPhase;
  /** Last sequence number processed (in memory). */
  checkpoint?: string;
  /** Last sequence number in the checkpoint file: where a restart resumes (absent: the start). */
  persistedCheckpoint?: string;
  /** Failed attempts since the shard last got through. */
  failedAttempts: number;
  stalledSince?: Date;
  lastError?: ErrorInfo;
  /** From the last GetRecords: how far the shard's reader is behind the stream's tip. */
  millisBehindLatest?: number;
}

export interface PollerStats {
  invocations: number;
  recordsDelivered: number;
  retries: number;
  bisections: number;
  recordsToOnFailure: number;
}

export interface KinesisPoller {
  start(): Promise<void>;
  /** Resolves once every shard has read everything written before the call and processed it. */
  drain(timeoutMs?: number): Promise<void>;
  /**
   * Let the in-flight handler invocation finish, persist checkpoints, stop polling. Pending retries
   * are abandoned, not exhausted: those records are not checkpointed, so a restart replays them.
   */
  stop(): Promise<void>;
  checkpoints(): Record<string, string>;
  /** Per-shard state, for health checks. */
  health(): ShardHealth[];
  readonly stats: PollerStats;
}

/** The handler reported batch item failures and they are transient (itemFailuresAreTransient). */
export class BatchItemFailuresError extends Error {
  override readonly name = 'BatchItemFailuresError';
  readonly code = 'BatchItemFailures';
  constructor(count: number, fromSequence: string) {
    super(`the handler could not complete ${count} records from sequence ${fromSequence} (downstream unavailable)`);
  }
}

/** drain() could not finish: names each shard that is not caught up, what it is doing and why. */
export class DrainTimeoutError extends Error {
  override readonly name = 'DrainTimeoutError';
  constructor(readonly shards: ShardHealth[]) {
    super(`kinesis-poller: drain timed out; not caught up: ${shards.map(describeShard).join('; ')}`);
  }
}

/** One line about a shard: state, last error, where a restart would resume. */
export function describeShard(h: ShardHealth): string {
  const parts = [`${h.shardId} ${h.state}`];
  if (h.state === 'stalled' && h.stalledSince)
    parts.push(`since ${h.stalledSince.toISOString()} after ${h.failedAttempts} failed attempts`);
  if (h.lastError) parts.push(`last error: ${formatError(h.lastError)}`);
  parts.push(h.persistedCheckpoint ? `resumes after sequence ${h.persistedCheckpoint}` : 'resumes from the start of the shard');
  return parts.join(', ');
}

/** "CODE: message", without repeating a code the message already contains. */
export function formatError(e: { code?: string; message: string }): string {
  return e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
}

export function errorInfo(err: unknown): ErrorInfo {
  const e = err as { message?: unknown; code?: unknown; name?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' && e.name !== 'Error' ? e.name : undefined;
  return { message: String(e?.message ?? err), ...(code ? { code } : {}), at: new Date() };
}

function checkLimit(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || (value !== -1 && (value < min || value > max))) {
    throw new RangeError(`kinesis-poller: ${name} must be -1 or an integer in ${min}..${max} (got ${value})`);
  }
  return value;
}

interface ShardState {
  shardId: string;
  iterator?: string;
  buffer: _Record[];
  /** The iterator must be (re)obtained from the checkpoint before reading. */
  needIterator: boolean;
  /** Incremented each time the shard is seen caught up (no buffered records, empty read at the tip). */
  idleEpoch: number;
  idle: boolean;
  /** The shard has no more records (closed by resharding): the loop ends once its buffer is empty. */
  closed: boolean;
  state: ShardPhase;
  failedAttempts: number;
  stalledSince?: Date;
  lastError?: ErrorInfo;
  millisBehindLatest?: number;
}

export function createKinesisPoller(opts: KinesisPollerOptions): KinesisPoller {
  const batchSize = opts.batchSize ?? 100;
  const windowMs = opts.maximumBatchingWindowMs ?? 0;
  const maxRetries = checkLimit('maximumRetryAttempts', opts.maximumRetryAttempts ?? -1, 0, 10_000);
  const maxAgeMs = checkLimit('maximumRecordAgeSeconds', opts.maximumRecordAgeSeconds ?? -1, 60, 604_800) * 1000;
  const now = opts.now ?? Date.now;
  const retriesExhausted = (attempts: number) => maxRetries >= 0 && attempts > maxRetries;
  const pollMs = opts.pollIntervalMs ?? 100;
  const retryDelay = opts.retryDelayMs ?? 50;
  const region = opts.region ?? 'us-east-1';
  const maxStallDelay = opts.maxStallDelayMs ?? 5_000;
  const log = opts.log ?? ((line: string) => console.error(line));
  const stats: PollerStats = { invocations: 0, recordsDelivered: 0, retries: 0, bisections: 0, recordsToOnFailure: 0 };
  let checkpoints: Record<string, string> = {};
  if (opts.checkpointFile && existsSync(opts.checkpointFile)) {
    checkpoints = JSON.parse(readFileSync(opts.checkpointFile, 'utf8')) as Record<string, string>;
  }
  /** What the checkpoint file holds; `dirty` = the in-memory checkpoints are ahead of it. */
  let persisted: Record<string, string> = { ...checkpoints };
  let dirty = false;
  let running = false;
  let streamArn = '';
  const shards: ShardState[] = [];
  const loops: Promise<void>[] = [];
  /** Wake-ups of pending pauses, so that stop() does not wait out a backoff or a poll interval. */
  const sleepers = new Set<() => void>();

  function pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!running) return resolve();
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  }

  /** How many records at the head of `records` are older than maximumRecordAgeSeconds. */
  function expiredPrefix(records: _Record[]): number {
    if (maxAgeMs < 0) return 0;
    const t = now();
    let n = 0;
    // A shard's arrival timestamps do not decrease, so the expired records are a prefix; stopping at
    // the first young one keeps the checkpoint (which covers everything before it) correct.
    while (n < records.length && t - (records[n]!.ApproximateArrivalTimestamp?.getTime() ?? t) > maxAgeMs) n++;
    return n;
  }

  function persist(): void {
    if (!opts.checkpointFile) return;
    const snapshot = { ...checkpoints };
    const tmp = `${opts.checkpointFile}.tmp`;
    try {
      mkdirSync(dirname(opts.checkpointFile), { recursive: true });
      writeFileSync(tmp, JSON.stringify(snapshot, null, 2));
      renameSync(tmp, opts.checkpointFile);
    } catch (err) {
      dirty = true;
      // A partial temporary file would hold space the next attempt needs.
      try {
        rmSync(tmp, { force: true });
      } catch {
        // Its folder is the problem (not a folder, not writable): there is no file to remove.
      }
      throw err;
    }
    persisted = snapshot;
    dirty = Object.keys(checkpoints).some((k) => checkpoints[k] !== snapshot[k]);
  }

  /** Records up to `seq` are processed; throws (the shard stalls) if the file cannot be rewritten. */
  function checkpoint(shardId: string, seq: string): void {
    checkpoints[shardId] = seq;
    persist();
  }

  function stalled(s: ShardState, err: unknown): void {
    const info = errorInfo(err);
    const changed = s.failedAttempts === 0 || s.lastError?.code !== info.code || s.lastError?.message !== info.message;
    s.failedAttempts++;
    s.stalledSince ??= info.at;
    s.lastError = info;
    s.state = 'stalled';
    s.idle = false;
    if (changed) {
      const at = persisted[s.shardId] ? `after sequence ${persisted[s.shardId]}` : 'from the start of the shard';
      log(
        `kinesis-poller: shard ${s.shardId} stalled: ${formatError(info)}; ` +
          `retrying ${at} with backoff up to ${maxStallDelay} ms until it gets through`,
      );
    }
  }

  function recovered(s: ShardState): void {
    if (s.failedAttempts === 0) return;
    const secs = ((Date.now() - (s.stalledSince?.getTime() ?? Date.now())) / 1000).toFixed(1);
    log(`kinesis-poller: shard ${s.shardId} resumed after ${s.failedAttempts} failed attempts (${secs} s stalled)`);
    s.failedAttempts = 0;
    s.stalledSince = undefined;
  }

  function toLambdaRecord(shardId: string, r: _Record): KinesisStreamRecord {
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey ?? '',
        sequenceNumber: r.SequenceNumber ?? '',
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/threadline-local',
      awsRegion: region,
      eventSourceARN: streamArn,
    };
  }

  async function iteratorFor(shardId: string): Promise<string | undefined> {
    const after = checkpoints[shardId];
    const out = await opts.client.send(
      new GetShardIteratorCommand({
        StreamName: opts.streamName,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
          : { ShardIteratorType: opts.startingPosition ?? 'TRIM_HORIZON' }),
      }),
    );
    return out.ShardIterator;
  }

  /** One GetRecords; returns true when the shard is at its tip. */
  async function read(s: ShardState, limit: number): Promise<boolean> {
    if (s.needIterator) {
      s.iterator = await iteratorFor(s.shardId);
      s.needIterator = false;
    }
    if (!s.iterator) {
      s.closed = true;
      return true;
    }
    const out = await opts.client.send(new GetRecordsCommand({ ShardIterator: s.iterator, Limit: Math.min(10_000, Math.max(1, limit)) }));
    s.buffer.push(...(out.Records ?? []));
    s.iterator = out.NextShardIterator;
    s.millisBehindLatest = out.MillisBehindLatest;
    if (!s.iterator) s.closed = true;
    return (out.Records ?? []).length === 0 || out.MillisBehindLatest === 0;
  }

  /** Process records until all are consumed (done or sent to onFailure), honouring retries. */
  async function processBatch(s: ShardState, records: _Record[]): Promise<void> {
    let remaining = records;
    let attempts = 0; // failed invocations of the current head record
    while (remaining.length > 0) {
      // Stopped: leave the rest unprocessed and un-checkpointed (replayed after a restart).
      if (!running) return;
      const expired = expiredPrefix(remaining);
      if (expired > 0) {
        await exhaust(
          s,
          remaining.slice(0, expired).map((r) => toLambdaRecord(s.shardId, r)),
          'record_age_exceeded',
          attempts,
        );
        remaining = remaining.slice(expired);
        continue;
      }
      const lambdaRecords = remaining.map((r) => toLambdaRecord(s.shardId, r));
      stats.invocations++;
      let response: Awaited<ReturnType<KinesisHandler>>;
      try {
        response = await opts.handler({ Records: lambdaRecords });
      } catch (error) {
        // Not the records' fault: the shard stalls and retries them from its checkpoint (runShard).
        if (opts.isBackpressure?.(error)) throw error;
        attempts++;
        if (retriesExhausted(attempts)) {
          await exhaust(s, lambdaRecords, 'handler_error', attempts, error);
          return;
        }
        if (opts.bisectBatchOnFunctionError && remaining.length > 1) {
          stats.bisections++;
          const mid = Math.ceil(remaining.length / 2);
          await processBatch(s, remaining.slice(0, mid));
          // If stop() interrupted the first half, the second must not run: its checkpoint would
          // skip the first half's unprocessed records.
          if (running) await processBatch(s, remaining.slice(mid));
          return;
        }
        stats.retries++;
        await pause(Math.min(2000, retryDelay * 2 ** (attempts - 1)));
        continue;
      }
      const failures = response?.batchItemFailures ?? [];
      if (failures.length === 0) {
        stats.recordsDelivered += remaining.length;
        checkpoint(s.shardId, remaining[remaining.length - 1]!.SequenceNumber!);
        return;
      }
      // Lambda resumes from the lowest failed sequence number; an identifier it cannot find in the
      // batch (empty, null, unknown) fails the whole batch.
      const indexOf = new Map(remaining.map((r, i) => [r.SequenceNumber!, i]));
      let first = remaining.length;
      for (const f of failures) {
        const i = f.itemIdentifier ? indexOf.get(f.itemIdentifier) : undefined;
        first = Math.min(first, i === undefined ? 0 : i);
      }
      if (first > 0) {
        stats.recordsDelivered += first;
        checkpoint(s.shardId, remaining[first - 1]!.SequenceNumber!);
        remaining = remaining.slice(first);
        attempts = 1;
      } else {
        attempts++;
      }
      if (opts.itemFailuresAreTransient) throw new BatchItemFailuresError(remaining.length, remaining[0]!.SequenceNumber!);
      if (retriesExhausted(attempts)) {
        await exhaust(
          s,
          remaining.map((r) => toLambdaRecord(s.shardId, r)),
          'batch_item_failures',
          attempts,
        );
        return;
      }
      stats.retries++;
      await pause(Math.min(2000, retryDelay * 2 ** (attempts - 1)));
    }
  }

  async function exhaust(
    s: ShardState,
    records: KinesisStreamRecord[],
    reason: FailureInfo['reason'],
    attempts: number,
    error?: unknown,
  ): Promise<void> {
    stats.recordsToOnFailure += records.length;
    await opts.onFailure?.({ shardId: s.shardId, reason, attempts, records, ...(error === undefined ? {} : { error }) });
    checkpoint(s.shardId, records[records.length - 1]!.kinesis.sequenceNumber);
  }

  async function runShard(s: ShardState): Promise<void> {
    while (running) {
      try {
        // A processed batch whose checkpoint is not on disk yet: read nothing more until it is.
        if (dirty) persist();
        const ended = await step(s);
        if (!running) break;
        recovered(s);
        s.state = s.idle ? 'idle' : 'running';
        if (ended) {
          s.state = 'ended';
          return;
        }
      } catch (err) {
        if (!running) break;
        stalled(s, err);
        // Start over from the checkpoint: what was read after it is read again.
        s.buffer = [];
        s.needIterator = true;
        s.closed = false;
        await pause(Math.min(maxStallDelay, retryDelay * 2 ** (s.failedAttempts - 1)));
      }
    }
    s.state = 'stopped';
  }

  /** One round: fill a batch and process it, or note the shard idle. Returns true once the shard ended. */
  async function step(s: ShardState): Promise<boolean> {
    let atTip = false;
    if (s.buffer.length < batchSize && !s.closed) {
      atTip = await read(s, batchSize - s.buffer.length);
      const windowEnd = Date.now() + windowMs;
      while (running && !atTip && !s.closed && s.buffer.length < batchSize && Date.now() < windowEnd) {
        atTip = await read(s, batchSize - s.buffer.length);
      }
      // Within the batching window, also wait for new records at the tip.
      while (running && atTip && windowMs > 0 && s.buffer.length > 0 && s.buffer.length < batchSize && Date.now() < windowEnd) {
        await pause(Math.min(pollMs, windowEnd - Date.now()));
        atTip = await read(s, batchSize - s.buffer.length);
      }
    }
    if (s.buffer.length === 0) {
      s.idle = true;
      s.idleEpoch++;
      if (s.closed) return true;
      await pause(pollMs);
      return false;
    }
    s.idle = false;
    // A stalled shard stays 'stalled' until an attempt gets through.
    if (s.failedAttempts === 0) s.state = 'running';
    const batch = s.buffer.splice(0, batchSize);
    await processBatch(s, batch);
    return false;
  }

  function health(): ShardHealth[] {
    return shards.map((s) => ({
      shardId: s.shardId,
      state: s.state,
      failedAttempts: s.failedAttempts,
      ...(checkpoints[s.shardId] ? { checkpoint: checkpoints[s.shardId] } : {}),
      ...(persisted[s.shardId] ? { persistedCheckpoint: persisted[s.shardId] } : {}),
      ...(s.stalledSince ? { stalledSince: s.stalledSince } : {}),
      ...(s.lastError ? { lastError: s.lastError } : {}),
      ...(s.millisBehindLatest === undefined ? {} : { millisBehindLatest: s.millisBehindLatest }),
    }));
  }

  return {
    stats,
    checkpoints: () => ({ ...checkpoints }),
    health,
    async start() {
      if (running) return;
      running = true;
      const summary = await opts.client.send(new DescribeStreamSummaryCommand({ StreamName: opts.streamName }));
      streamArn = summary.StreamDescriptionSummary?.StreamARN ?? `arn:aws:kinesis:${region}:000000000000:stream/${opts.streamName}`;
      const list = await opts.client.send(new ListShardsCommand({ StreamName: opts.streamName }));
      for (const sh of list.Shards ?? []) {
        const s: ShardState = {
          shardId: sh.ShardId!,
          buffer: [],
          needIterator: true,
          idleEpoch: 0,
          idle: false,
          closed: false,
          state: 'starting',
          failedAttempts: 0,
        };
        shards.push(s);
        loops.push(
          runShard(s).catch((err) => {
            // runShard handles its errors; reaching here is a bug, which must not look like "caught up".
            log(`kinesis-poller: shard ${s.shardId} loop failed: ${(err as Error).message}`);
            s.state = 'stopped';
            s.lastError = errorInfo(err);
          }),
        );
      }
    },
    async drain(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      const epochs = shards.map((s) => s.idleEpoch);
      // Caught up = each shard has ended, or has since completed an empty read at the tip with nothing
      // buffered. A stalled or stopped shard is not caught up, however long it has been waiting.
      const caughtUp = (s: ShardState, i: number) => s.state === 'ended' || (s.state === 'idle' && s.idle && s.idleEpoch > epochs[i]! + 1);
      while (!shards.every(caughtUp)) {
        const notRunning = shards.filter((s) => s.state === 'stopped');
        if (Date.now() > deadline || notRunning.length > 0) {
          const ids = new Set(shards.filter((s, i) => !caughtUp(s, i)).map((s) => s.shardId));
          throw new DrainTimeoutError(health().filter((h) => ids.has(h.shardId)));
        }
        await sleep(10);
      }
    },
    async stop() {
      running = false;
      for (const wake of [...sleepers]) wake();
      await Promise.all(loops);
      try {
        persist();
      } catch (err) {
        const where = shards.map(
          (s) => `${s.shardId} resumes ${persisted[s.shardId] ? `after sequence ${persisted[s.shardId]}` : 'from the start'}`,
        );
        throw new Error(
          `kinesis-poller: checkpoints could not be written (${errorInfo(err).code ?? errorInfo(err).message}); ` +
            `processed records after them are processed again at the next start: ${where.join(', ')}`,
          { cause: err },
        );
      }
    },
  };
}
