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
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createFileKeyStore,
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
import { type LocalDynamo, startLocalDynamo } from './dynamodb.js';
import { type FaultInjection, type LocalFirehose, startLocalFirehose } from './firehose-server.js';
import { type LocalKinesis, startLocalKinesis } from './kinesis.js';
import { createKinesisPoller, type KinesisPoller } from './kinesis-poller.js';
import { createLakeWriter, type LakeWriter } from './lake-writer.js';
import { DEFAULT_DATA_DIR } from './paths.js';

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
  /** Fault injection into the Firehose stand-in (tests of the retry paths; real error shapes). */
  faults: { firehose: FaultInjection };
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
  try {
    const kinesis: LocalKinesis = await startLocalKinesis(persist ? { path: path.join(dataDir, 'kinesis') } : {});
    cleanups.push(() => kinesis.close());
    await kinesis.ensureStream(DEV_STREAM_NAME, opts.shards ?? 2);

    const dynamo: LocalDynamo = await startLocalDynamo(persist ? { path: path.join(dataDir, 'dynamodb') } : {});
    cleanups.push(() => dynamo.close());
    const config = localConfig();
    await dynamo.ensureTable(config.identityTable);

    const streamToTable = streamTables(config.streams);
    const lake: LakeWriter = createLakeWriter({
      rootDir: lakeDir,
      streamToTable,
      maxAgeMs: opts.lakeFlushMs ?? 5_000,
      ...(opts.lakeFlushBytes ? { maxBytes: opts.lakeFlushBytes } : {}),
    });
    cleanups.push(() => lake.close());
    const firehose: LocalFirehose = await startLocalFirehose({ sink: lake, streams: Object.keys(streamToTable) });
    cleanups.push(() => firehose.close());

    const processor = createProcessor({ dynamo: dynamo.client, firehose: firehose.client, config });
    const poller: KinesisPoller = createKinesisPoller({
      client: kinesis.client,
      streamName: DEV_STREAM_NAME,
      // The local Firehose acknowledges records once buffered in memory; the real one acknowledges them
      // durably. So the batch is written out to Parquet BEFORE the poller checkpoints it: a hard kill
      // (SIGKILL, power loss) then replays the batch from the stream instead of losing it. The price is
      // one set of Parquet files per batch, which the lake tolerates (DuckDB and Athena glob them).
      handler: async (event) => {
        const res = await processor.handle(event);
        await lake.flush();
        return res;
      },
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
        await lake.write(config.streams.failed, lines);
        await lake.flush();
      },
    });
    await poller.start();
    cleanups.push(() => poller.stop());

    const keyStore = createFileKeyStore(path.join(dataDir, 'sources.json'));
    await keyStore.ensureKey(DEV_WRITE_KEY, { name: 'dev', ...(opts.devSourceChannel ? { defaultChannel: opts.devSourceChannel } : {}) });
    const collector: CollectorServer = await startCollectorServer({
      port: opts.port ?? 0,
      host: opts.host ?? '127.0.0.1',
      deps: { keyStore, sink: createKinesisWriter({ client: kinesis.client, streamName: DEV_STREAM_NAME }) },
    });
    cleanups.push(() => collector.close());

    const engine = await createDuckDbEngine({ lakeDir, ...(opts.views ? { config: opts.views } : {}) });
    cleanups.push(() => engine.close());

    await writeFile(path.join(dataDir, 'README.txt'), README_TEXT).catch(() => {});

    let stopping: Promise<void> | undefined;
    const drain = async (timeoutMs = 120_000) => {
      await poller.drain(timeoutMs);
      await lake.flush();
      await engine.refresh();
    };

    return {
      url: collector.url,
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
      faults: { firehose: firehose.inject },
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
          await collector.close(); // stop accepting first: nothing new enters the stream
          try {
            await drain();
          } finally {
            await poller.stop();
            await lake.flush();
            await firehose.close();
            await lake.close();
            await engine.close();
            await dynamo.close();
            await kinesis.close();
          }
        })();
        return stopping;
      },
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

const README_TEXT = `This folder holds a Threadline local pipeline's data (created by \`threadline local\` / \`threadline demo\`):
  kinesis/           the Kinesis stand-in (kinesalite LevelDB)
  dynamodb/          the identity table (dynalite LevelDB)
  checkpoints.json   the stream poller's position per shard
  sources.json       write keys (SHA-256 hashes only) and their sources
  lake/              the lake: <table>/event_date=YYYY-MM-DD/*.parquet, as in S3
Query it: npx threadline query journeys --lake <this folder>/lake
`;
