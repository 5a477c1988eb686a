/**
 * The embedded local pipeline: the SAME collector and processor code as the AWS deployment, wired over
 * in-process stand-ins, with all data under one folder (default .threadline/):
 *
 *   HTTP client --> collector (local/collector-server.ts, the Lambda handler behind a node:http adapter)
 *     --> Kinesis (kinesalite, <dataDir>/kinesis)
 *     --> poller (local/kinesis-poller.ts, the Lambda event-source emulator; checkpoints in <dataDir>/checkpoints.json)
 *     --> processor (lambdas/processor) <--> identity table (dynalite, <dataDir>/dynamodb)
 *     --> Firehose (local/firehose-server.ts, real wire protocol) --> lake writer (Parquet, <dataDir>/lake)
 *     --> DuckDB engine with the views (analytics/query)
 *
 * Write keys live in <dataDir>/sources.json (hashed), with a development key registered at start.
 * Restarting on the same folder resumes: streams, identities, checkpoints and the lake persist.
 * stop() is the clean shutdown: stop accepting, process what is in the stream, flush the lake, close.
 *
 * Storage faults are back-pressure: when the lake cannot be written (disk full, folder unwritable),
 * the batch fails with LakeUnavailableError, the poller retries it from its checkpoint until the write
 * goes through (never dead-lettering it, never checkpointing past it), health() turns unhealthy and
 * the collector answers 503 + Retry-After until the lake is written again.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createFileKeyStore,
  createFirehoseClient,
  createKinesisWriter,
  createProcessor,
  type FileKeyStore,
  failureRecord,
  localConfig,
  type Processor,
  toJsonLine,
} from '../lambdas/index.js';
import { createDuckDbEngine, type DuckDbEngine } from '../query/index.js';
import type { LakeTableName, TouchpointChannel } from '../schemas/index.js';
import type { ViewConfig } from '../sql/index.js';
import { type CollectorServer, DEV_STREAM_NAME, DEV_WRITE_KEY, startCollectorServer } from './collector-server.js';
import { type LocalDynalite, startLocalDynamo } from './dynamodb.js';
import { type FaultInjection, type LocalFirehose, startLocalFirehose } from './firehose-server.js';
import { acquireInstanceLock } from './instance-lock.js';
import { type LocalKinesis, startLocalKinesis } from './kinesis.js';
import { createKinesisPoller, describeShard, errorInfo, formatError, type KinesisPoller, type ShardHealth } from './kinesis-poller.js';
import { createLakeWriter, DEFAULT_MAX_BACKLOG_BYTES, type LakeWriter, type LakeWriterStatus, type ParquetFs } from './lake-writer.js';
import { createModelRefreshScheduler, type ModelRefreshScheduler } from './model-refresh-scheduler.js';
import { DEFAULT_DATA_DIR } from './paths.js';
import type { StorageFaults } from './standin-guard.js';
import type { ThrottleFaults } from './throttle-faults.js';

export { DEV_WRITE_KEY };

export interface LocalPipelineOptions {
  /** Folder holding everything (default .threadline). */
  dataDir?: string;
  /** Collector port on the host (default 0: any free port). */
  port?: number;
  host?: string;
  /** Kinesis shards (default 2: two pollers in parallel, like two Lambda invocations). */
  shards?: number;
  /** Keep nothing on disk except the lake (tests). */
  inMemory?: boolean;
  /** Lake writer buffering: flush a stream after this long (default 5 s locally) or this size. */
  lakeFlushMs?: number;
  lakeFlushBytes?: number;
  /** Poller batch size (default 500) and batching window (default 200 ms). */
  batchSize?: number;
  batchingWindowMs?: number;
  /** View parameters for the DuckDB engine. */
  views?: Partial<ViewConfig>;
  /** Default touchpoint channel of the development key's source (default: none, rules classify). */
  devSourceChannel?: TouchpointChannel;
  /** Undelivered bytes a lake delivery stream may hold before the Firehose stand-in refuses more (default 64 MiB). */
  lakeMaxBacklogBytes?: number;
  /** File operations of the lake's Parquet writer (fault injection: a full or broken volume). */
  lakeFs?: ParquetFs;
  /** How long stop() waits for the stream to be processed before giving up and reporting (default 30 s). */
  stopTimeoutMs?: number;
  /** A lake write error keeps the pipeline unhealthy this long after it happened (default RECENT_LAKE_ERROR_MS). */
  recentLakeErrorMs?: number;
  /** Where the poller reports stalls and recoveries (default stderr). */
  log?: (line: string) => void;
  /** Least time between two refreshes of the journey models after lake flushes (default 2 s). */
  modelRefreshMs?: number;
}

/** The lake cannot take the batch's rows now: the poller retries the batch, it is not the records' fault. */
export class LakeUnavailableError extends Error {
  override readonly name = 'LakeUnavailableError';
  readonly code: string;
  constructor(cause: unknown) {
    const info = errorInfo(cause);
    super(`lake cannot be written: ${formatError(info)}`, { cause });
    this.code = info.code ?? 'LakeUnavailable';
  }
}

/** Whether the pipeline can take events now, and why not. */
export interface PipelineHealth {
  ok: boolean;
  /** One line per problem; empty when ok. */
  reasons: string[];
  shards: ShardHealth[];
  lake: LakeWriterStatus & { maxBacklogBytes: number };
}

/** A lake write error this recent still makes the pipeline unhealthy (it may fail again). */
export const RECENT_LAKE_ERROR_MS = 10_000;
/** Retry-After sent while unhealthy: about one stalled-shard retry interval. */
export const UNHEALTHY_RETRY_AFTER_SECONDS = 5;

/** Pure: the health verdict from the parts' state at `now`. */
export function assessHealth(
  shards: ShardHealth[],
  lake: PipelineHealth['lake'],
  now: Date,
  { stopping = false, recentErrorMs = RECENT_LAKE_ERROR_MS }: { stopping?: boolean; recentErrorMs?: number } = {},
): PipelineHealth {
  const reasons: string[] = [];
  const ago = (at: Date) => `${Math.max(0, (now.getTime() - at.getTime()) / 1000).toFixed(1)} s`;
  const err = formatError;
  for (const s of shards) {
    if (s.state === 'stalled') {
      reasons.push(
        `shard ${s.shardId} stalled for ${ago(s.stalledSince ?? now)} (${s.failedAttempts} failed attempts)${s.lastError ? `: ${err(s.lastError)}` : ''}`,
      );
    } else if (s.state === 'stopped' && !stopping) {
      reasons.push(`shard ${s.shardId} is not being processed`);
    }
  }
  if (lake.failing) {
    reasons.push(`lake writes failing: ${lake.lastError ? err(lake.lastError) : 'unknown error'} (${lake.records} records held)`);
  } else if (lake.lastError && now.getTime() - lake.lastError.at.getTime() < recentErrorMs) {
    reasons.push(`lake write failed ${ago(lake.lastError.at)} ago: ${err(lake.lastError)}`);
  }
  // Shed load well before the Firehose stand-in refuses records, so clients back off first.
  if (lake.bytes >= lake.maxBacklogBytes / 2) {
    reasons.push(
      `lake write backlog ${lake.bytes} bytes (${lake.records} records) reached the shedding bound of ${lake.maxBacklogBytes / 2} bytes`,
    );
  }
  return { ok: reasons.length === 0, reasons, shards, lake };
}

export interface PipelineStats {
  collector: { url: string };
  poller: KinesisPoller['stats'];
  processor: Processor['stats'];
  firehose: LocalFirehose['stats'];
  lake: { files: number; writerFailedRecords: number };
  identity: Processor['identity']['stats'];
}

export interface LocalPipeline {
  /** Collector base URL, e.g. http://127.0.0.1:8787 */
  url: string;
  /** The Kinesis stand-in's endpoint (tests and benches that write to the stream directly). */
  kinesisEndpoint: string;
  /** The development write key (source "dev"). */
  writeKey: string;
  dataDir: string;
  lakeDir: string;
  keyStore: FileKeyStore;
  /**
   * A write key for a named source (created on first use, stable across restarts of this data folder):
   * each emitting system gets its own key and default touchpoint channel, as in production.
   */
  sourceKey(name: string, defaultChannel?: TouchpointChannel): Promise<string>;
  /** Resolves when every event accepted so far (2xx) has landed in the lake and is queryable. */
  drain(timeoutMs?: number): Promise<void>;
  /** Clean shutdown: stop accepting, drain, flush, close everything. Idempotent. */
  stop(): Promise<void>;
  /** DuckDB over the lake with every view. */
  engine: DuckDbEngine;
  stats(): PipelineStats;
  /** Per-shard state, lake backlog and errors, and the verdict the collector's readiness uses. */
  health(): PipelineHealth;
  /** Fault injection into the stand-ins (tests of the retry paths; real error shapes): Firehose calls, stream and identity storage. */
  faults: {
    firehose: FaultInjection;
    kinesisStorage: StorageFaults;
    dynamoStorage: StorageFaults;
    kinesisThrottle: ThrottleFaults;
    dynamoThrottle: ThrottleFaults;
  };
}

/** Firehose delivery stream names -> lake tables (same names as the processor's defaults and the CDK). */
function streamTables(streams: { events: string; identity: string; failed: string }): Record<string, LakeTableName> {
  return { [streams.events]: 'events', [streams.identity]: 'identity_changes', [streams.failed]: 'failed_events' };
}

export async function startLocalPipeline(opts: LocalPipelineOptions = {}): Promise<LocalPipeline> {
  const dataDir = path.resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const lakeDir = path.join(dataDir, 'lake');
  await mkdir(lakeDir, { recursive: true });
  const persist = !opts.inMemory;
  // Started parts, closed in reverse order if start-up fails half-way.
  const cleanups: Array<() => Promise<void>> = [];
  const undo = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  // One pipeline per folder: a second one is told who holds it, not LevelDB's lock error.
  const lock = persist ? await acquireInstanceLock(dataDir) : undefined;
  if (lock) cleanups.push(() => lock.release());
  let modelRefresh: ModelRefreshScheduler | undefined;
  try {
    const kinesis: LocalKinesis = await startLocalKinesis(persist ? { path: path.join(dataDir, 'kinesis') } : {});
    cleanups.push(() => kinesis.close());
    await kinesis.ensureStream(DEV_STREAM_NAME, opts.shards ?? 2);

    const dynamo: LocalDynalite = await startLocalDynamo(persist ? { path: path.join(dataDir, 'dynamodb') } : {});
    cleanups.push(() => dynamo.close());
    const config = localConfig();
    await dynamo.ensureTable(config.identityTable);

    const streamToTable = streamTables(config.streams);
    const maxBacklogBytes = opts.lakeMaxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
    const lake: LakeWriter = createLakeWriter({
      rootDir: lakeDir,
      streamToTable,
      maxAgeMs: opts.lakeFlushMs ?? 5_000,
      maxBacklogBytes,
      ...(opts.lakeFlushBytes ? { maxBytes: opts.lakeFlushBytes } : {}),
      ...(opts.lakeFs ? { fs: opts.lakeFs } : {}),
    });
    const flushLake = async () => {
      try {
        await lake.flush();
      } catch (err) {
        throw new LakeUnavailableError(err);
      }
    };
    cleanups.push(() => lake.close());
    const firehose: LocalFirehose = await startLocalFirehose({ sink: lake, streams: Object.keys(streamToTable) });
    cleanups.push(() => firehose.close());

    // The processor's own single-attempt client: its delivery loop is the one retry layer.
    const processor = createProcessor({ dynamo: dynamo.client, firehose: createFirehoseClient({ endpoint: firehose.endpoint }), config });
    const poller: KinesisPoller = createKinesisPoller({
      client: kinesis.client,
      streamName: DEV_STREAM_NAME,
      // The local Firehose acknowledges records once buffered in memory; the real one acknowledges them
      // durably. So the batch is written out to Parquet BEFORE the poller checkpoints it: a hard kill
      // (SIGKILL, power loss) then replays the batch from the stream instead of losing it. The price is
      // one set of Parquet files per batch, which the lake tolerates (DuckDB and Athena glob them).
      // A failed flush rejects for every batch whose rows it held (the rows stay buffered), so no shard
      // checkpoints rows another shard's flush failed to write.
      handler: async (event) => {
        // Rows the lake could not write are still held: write them before producing more.
        if (lake.status().failing) await flushLake();
        const res = await processor.handle(event);
        await flushLake();
        modelRefresh?.schedule();
        // Records Firehose refused because the lake is failing are not the records' fault either.
        if ((res?.batchItemFailures?.length ?? 0) > 0 && lake.status().failing) {
          throw new LakeUnavailableError(lake.status().lastError ?? new Error('lake writes failing'));
        }
        return res;
      },
      isBackpressure: (err) => err instanceof LakeUnavailableError,
      // The processor reports batch item failures only when DynamoDB or Firehose is unavailable (input it
      // can never process goes to failed_events itself): those wait for the service, they are not dead-lettered.
      itemFailuresAreTransient: true,
      ...(opts.log ? { log: opts.log } : {}),
      batchSize: opts.batchSize ?? 500,
      maximumBatchingWindowMs: opts.batchingWindowMs ?? 200,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 10,
      ...(persist ? { checkpointFile: path.join(dataDir, 'checkpoints.json') } : {}),
      // Records the processor could not take after every retry are not dropped: they land in
      // failed_events (reason delivery_failed) with the raw record, like an on-failure destination.
      onFailure: async (info) => {
        const lines = info.records.map((r) =>
          toJsonLine(
            failureRecord({
              recordKey: r.eventID,
              stage: 'processor',
              reason: 'delivery_failed',
              detail: `local event source: ${info.reason} after ${info.attempts} attempts`,
              raw: Buffer.from(r.kinesis.data, 'base64').toString('utf8'),
              failedAt: new Date(),
            }),
          ),
        );
        try {
          await lake.write(config.streams.failed, lines);
        } catch (err) {
          throw new LakeUnavailableError(err);
        }
        await flushLake();
      },
    });
    await poller.start();
    cleanups.push(() => poller.stop());

    const keyStore = createFileKeyStore(path.join(dataDir, 'sources.json'));
    await keyStore.ensureKey(DEV_WRITE_KEY, { name: 'dev', ...(opts.devSourceChannel ? { defaultChannel: opts.devSourceChannel } : {}) });
    let stopping: Promise<void> | undefined;
    const health = () =>
      assessHealth(poller.health(), { ...lake.status(), maxBacklogBytes }, new Date(), {
        stopping: stopping !== undefined,
        recentErrorMs: opts.recentLakeErrorMs ?? RECENT_LAKE_ERROR_MS,
      });
    const collector: CollectorServer = await startCollectorServer({
      port: opts.port ?? 0,
      host: opts.host ?? '127.0.0.1',
      // Shed load (503 + Retry-After) while the pipeline cannot write what the collector would accept.
      readiness: () => {
        const h = health();
        return { ok: h.ok, reasons: h.reasons, ...(h.ok ? {} : { retryAfterSeconds: UNHEALTHY_RETRY_AFTER_SECONDS }) };
      },
      deps: { keyStore, sink: createKinesisWriter({ client: kinesis.client, streamName: DEV_STREAM_NAME }) },
    });
    cleanups.push(() => collector.close());
    await lock?.update({ url: collector.url });

    const engine = await createDuckDbEngine({ lakeDir, ...(opts.views ? { config: opts.views } : {}) });
    cleanups.push(() => engine.close());
    // The journey models follow the lake: refreshed (incrementally) after flushes, and before drain() returns.
    const refresher = createModelRefreshScheduler(() => engine.refreshModels(), {
      minIntervalMs: opts.modelRefreshMs ?? 2_000,
      onError: (err) => (opts.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`model refresh failed: ${(err as Error).message}`),
    });
    modelRefresh = refresher;
    cleanups.push(() => refresher.stop());

    await writeFile(path.join(dataDir, 'README.txt'), README_TEXT).catch(() => {});

    const drain = async (timeoutMs = 120_000) => {
      await poller.drain(timeoutMs);
      await lake.flush();
      await engine.refresh();
      await refresher.idle();
    };

    return {
      url: collector.url,
      kinesisEndpoint: kinesis.endpoint,
      writeKey: DEV_WRITE_KEY,
      dataDir,
      lakeDir,
      keyStore,
      engine,
      sourceKey(name, defaultChannel) {
        // Local only: a readable, stable key per source name so that restarts and docs can rely on it.
        // The file store serialises concurrent updates itself (in-process queue + lock file).
        const key = `tl_dev_${name.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;
        return keyStore.ensureKey(key, { name, ...(defaultChannel ? { defaultChannel } : {}) }).then(() => key);
      },
      drain,
      health,
      faults: {
        firehose: firehose.inject,
        kinesisStorage: kinesis.faults.storage,
        dynamoStorage: dynamo.faults.storage,
        kinesisThrottle: kinesis.faults.throttle,
        dynamoThrottle: dynamo.faults.throttle,
      },
      stats: () => ({
        collector: { url: collector.url },
        poller: { ...poller.stats },
        processor: { ...processor.stats, failed: { ...processor.stats.failed } },
        firehose: { ...firehose.stats, byStream: { ...firehose.stats.byStream } },
        lake: { files: lake.filesWritten.length, writerFailedRecords: lake.failedRecords },
        identity: { ...processor.identity.stats },
      }),
      stop() {
        stopping ??= (async () => {
          // Every step runs whatever failed before it, so a failing lake never leaves a stand-in open.
          const problems: string[] = [];
          const step = async (what: string, fn: () => Promise<unknown>) => {
            try {
              await fn();
            } catch (err) {
              problems.push(`${what}: ${(err as Error).message}`);
            }
          };
          await step('collector', () => collector.close()); // stop accepting first: nothing new enters the stream
          await step('drain', () => poller.drain(opts.stopTimeoutMs ?? 30_000));
          await step('poller', () => poller.stop());
          await step('lake', () => lake.flush());
          const held = lake.status();
          const shards = poller.health();
          await step('firehose', () => firehose.close());
          await step('lake close', () => lake.close());
          await step('engine', () => engine.close());
          await step('dynamodb', () => dynamo.close());
          await step('kinesis', () => kinesis.close());
          await step('instance lock', async () => lock?.release());
          if (problems.length > 0) throw new Error(unfinishedReport(problems, held, shards));
        })();
        return stopping;
      },
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

/** What a stop that could not finish leaves behind, and where processing resumes. */
function unfinishedReport(problems: string[], held: LakeWriterStatus, shards: ShardHealth[]): string {
  const lines = [`stopped with unfinished work: ${problems.join('; ')}`];
  if (held.records > 0) {
    lines.push(
      `${held.records} records (${held.bytes} bytes) the lake could not write are not in it; ` +
        'their batches were not checkpointed, so the next start processes them again from the stream',
    );
  }
  for (const s of shards) lines.push(`shard ${describeShard(s)}`);
  return lines.join('\n');
}

const README_TEXT = `This folder holds a Threadline local pipeline's data (created by \`threadline local\` / \`threadline demo\`):
  kinesis/           the Kinesis stand-in (kinesalite LevelDB)
  dynamodb/          the identity table (dynalite LevelDB)
  checkpoints.json   the stream poller's position per shard
  sources.json       write keys (SHA-256 hashes only) and their sources
  lake/              the lake: <table>/event_date=YYYY-MM-DD/*.parquet, as in S3
Query it: npx threadline query journeys --lake <this folder>/lake
`;
