/**
 * Pipeline throughput: events/s through the whole local pipeline (HTTP -> collector -> kinesalite ->
 * poller + processor <-> dynalite -> local Firehose -> Parquet lake, until drained) against the
 * collector alone (HTTP -> collector -> kinesalite, until every request is answered 2xx), on the same
 * generated omnichannel events. Reported as ratios: the absolute rates depend on the machine.
 *
 *   npm run bench -- pipeline          (BENCH_PIPELINE_CUSTOMERS=600 to change the size)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateDataset, SOURCE_CHANNELS, SOURCE_NAMES, sendEvents } from '../demo/index.js';
import { createFileKeyStore, createKinesisWriter } from '../lambdas/index.js';
import { DEV_STREAM_NAME, startCollectorServer, startLocalKinesis, startLocalPipeline } from '../local/index.js';
import type { BenchReport } from './index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function run(): Promise<BenchReport> {
  const customers = Number(process.env.BENCH_PIPELINE_CUSTOMERS ?? 300);
  const ds = generateDataset({ customers, seed: 99, now: '2026-11-29T00:00:00Z' });
  const total = ds.truth.stats.events;

  // 1) the collector alone
  const dirA = mkdtempSync(path.join(tmpdir(), 'tl-bench-collector-'));
  const kinesis = await startLocalKinesis();
  await kinesis.ensureStream(DEV_STREAM_NAME, 2);
  const keyStore = createFileKeyStore(path.join(dirA, 'sources.json'));
  const keys: Record<string, string> = {};
  for (const s of SOURCE_NAMES) {
    keys[s] = `tl_bench_${s}`;
    await keyStore.ensureKey(keys[s]!, { name: s, ...(SOURCE_CHANNELS[s] ? { defaultChannel: SOURCE_CHANNELS[s] } : {}) });
  }
  const server = await startCollectorServer({
    deps: { keyStore, sink: createKinesisWriter({ client: kinesis.client, streamName: DEV_STREAM_NAME }) },
  });
  // warm-up (JIT, connections), so that the first measurement is not the cold one
  await sendEvents(ds.sources.web.slice(0, 500), { url: server.url, writeKey: keys.web!, batchSize: 250 });
  let t = performance.now();
  await Promise.all(
    SOURCE_NAMES.map((s) => sendEvents(ds.sources[s], { url: server.url, writeKey: keys[s]!, batchSize: 250, concurrency: 1 })),
  );
  const collectorMs = performance.now() - t;
  await server.close();
  await kinesis.close();
  rmSync(dirA, { recursive: true, force: true });

  // 2) the whole pipeline, until everything is in the lake
  const dirB = mkdtempSync(path.join(tmpdir(), 'tl-bench-pipeline-'));
  const pipeline = await startLocalPipeline({ dataDir: dirB, inMemory: true });
  const pkeys = Object.fromEntries(
    await Promise.all(SOURCE_NAMES.map(async (s) => [s, await pipeline.sourceKey(s, SOURCE_CHANNELS[s])] as const)),
  );
  t = performance.now();
  await Promise.all(
    SOURCE_NAMES.map((s) => sendEvents(ds.sources[s], { url: pipeline.url, writeKey: pkeys[s]!, batchSize: 250, concurrency: 1 })),
  );
  const acceptedMs = performance.now() - t;
  await pipeline.drain(600_000);
  const pipelineMs = performance.now() - t;
  const stats = pipeline.stats();
  await pipeline.stop();
  rmSync(dirB, { recursive: true, force: true });

  const collectorRate = (total / collectorMs) * 1000;
  const pipelineRate = (total / pipelineMs) * 1000;
  const writes = stats.identity.updateCalls;
  return {
    name: `pipeline throughput (${total} generated events, ${customers} customers)`,
    ratios: {
      'pipeline end-to-end / collector alone (events/s)': pipelineRate / collectorRate,
      'accept phase in pipeline / collector alone (events/s)': ((total / acceptedMs) * 1000) / collectorRate,
    },
    figures: {
      'collector alone, events/s (this machine)': collectorRate,
      'pipeline end to end, events/s (this machine)': pipelineRate,
      'DynamoDB reads per 1,000 events':
        ((stats.identity.itemsRead + stats.identity.getCalls) / Math.max(1, stats.processor.events)) * 1000,
      'DynamoDB writes per 1,000 events': (writes / Math.max(1, stats.processor.events)) * 1000,
    },
  };
}
