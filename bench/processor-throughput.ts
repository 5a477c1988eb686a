/**
 * Processor CPU throughput against its floor: the real processor (decode, enrich, identity stitching,
 * Firehose delivery) over the demo's omnichannel events in stream order, against the least any
 * processor of these records must do.
 *
 *   - processor: createProcessor over a fresh in-memory dynalite answered IN-PROCESS (no socket: see
 *     in-process-dynalite.ts; the SDK still serialises, signs and parses every request) and the local
 *     Firehose endpoint over loopback with a discarding sink (one PutRecordBatch per 500 records).
 *     Batches of 500, a cold identity cache each repetition (a fresh store, as after a deployment).
 *   - floor: base64 decode + JSON.parse + JSON.stringify to a line, of the same Kinesis records.
 *   ratio = processor events/s / floor events/s (higher is better). The DynamoDB stand-in's own CPU
 *   counts against the processor there; a second ratio takes the time spent inside dynalite out
 *   (measurable because the processor waits for each call), leaving the processor's code and its
 *   SDK client, which is what a Lambda pays for.
 *
 * Repetitions alternate processor and floor (BENCH_THROUGHPUT_REPS, default 5) after one warm-up
 * of each; medians are reported. DynamoDB requests per event come from the store's counters (as in
 * processor-shard.ts) and are checked against the requests the in-process handler saw.
 *
 *   npm run bench -- processor-throughput     (BENCH_THROUGHPUT_CUSTOMERS=300 -> 4,488 events)
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { createFirehoseClient, createProcessor, localConfig } from '../lambdas/index.js';
import { startLocalFirehose } from '../local/index.js';
import { startInProcessDynalite } from './in-process-dynalite.js';
import type { BenchReport } from './index.js';
import { records } from './processor-shard.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const BATCH = 500;
/** The floor pass is short: repeat it until it has run at least this long, for a stable rate. */
const FLOOR_MIN_MS = 300;

interface ProcessorRun {
  events: number;
  eventsPerSecond: number;
  readsPerEvent: number;
  writesPerEvent: number;
  /** Requests the in-process handler answered, per event (must match reads + writes). */
  requestsSeenPerEvent: number;
  /** Events/s with the stand-in's own time taken out: the processor's code and its SDK client. */
  eventsPerSecondOwn: number;
}

async function processorOnce(recs: KinesisStreamRecord[]): Promise<ProcessorRun> {
  const dynamo = startInProcessDynalite();
  const firehose = await startLocalFirehose({ sink: { write: async () => {}, flush: async () => {}, close: async () => {} } });
  try {
    const config = localConfig({ identityTable: 'bench-identity' });
    await dynamo.ensureTable(config.identityTable);
    const processor = createProcessor({ dynamo: dynamo.client, firehose: createFirehoseClient({ endpoint: firehose.endpoint }), config });
    const start = performance.now();
    for (let i = 0; i < recs.length; i += BATCH) {
      const res = await processor.handle({ Records: recs.slice(i, i + BATCH) });
      if (res.batchItemFailures.length > 0) throw new Error('bench batch reported failures');
    }
    const ms = performance.now() - start;
    const s = processor.identity.stats;
    const events = processor.stats.events;
    const seen = [...dynamo.requests.values()].reduce((a, b) => a + b, 0);
    return {
      events,
      eventsPerSecond: (events / ms) * 1000,
      readsPerEvent: (s.batchGetCalls + s.getCalls) / events,
      writesPerEvent: s.updateCalls / events,
      requestsSeenPerEvent: seen / events,
      eventsPerSecondOwn: (events / (ms - dynamo.standInMs())) * 1000,
    };
  } finally {
    await firehose.close();
    await dynamo.close();
  }
}

/** What any processor of these records must do at least: decode, parse, write one line per record. */
function floorOnce(recs: KinesisStreamRecord[]): number {
  let bytes = 0;
  let passes = 0;
  const start = performance.now();
  do {
    for (const r of recs) {
      const parsed = JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
      bytes += Buffer.byteLength(`${JSON.stringify(parsed)}\n`);
    }
    passes++;
  } while (performance.now() - start < FLOOR_MIN_MS);
  const ms = performance.now() - start;
  if (bytes === 0) throw new Error('floor wrote nothing');
  return ((recs.length * passes) / ms) * 1000;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round3 = (x: number) => Number(x.toFixed(3));
const sig3 = (x: number) => Number(x.toPrecision(3));

export async function run(): Promise<BenchReport> {
  const customers = Number(process.env.BENCH_THROUGHPUT_CUSTOMERS ?? 300);
  const reps = Number(process.env.BENCH_THROUGHPUT_REPS ?? (process.env.BENCH_QUICK ? 3 : 5));
  const recs = records(customers);
  // Warm-up (JIT, module state), not measured.
  await processorOnce(recs.slice(0, BATCH));
  floorOnce(recs);
  const proc: ProcessorRun[] = [];
  const floor: number[] = [];
  for (let i = 0; i < reps; i++) {
    proc.push(await processorOnce(recs));
    floor.push(floorOnce(recs));
  }
  const p = median(proc.map((r) => r.eventsPerSecond));
  const f = median(floor);
  const own = median(proc.map((r) => r.eventsPerSecondOwn));
  const r0 = proc[0]!;
  // The counts do not depend on timing; a difference between repetitions would mean lease contention.
  const ratio = sig3(p / f);
  return {
    name: 'processor vs JSON floor (in-process dynalite, no socket; cold identity cache)',
    ratios: {
      'processor events/s / JSON floor events/s': ratio,
      'same, dynalite time taken out / JSON floor': sig3(own / f),
    },
    figures: {
      events: r0.events,
      repetitions: reps,
      'processor events/s (median)': Math.round(p),
      'processor events/s (min..max)': `${Math.round(Math.min(...proc.map((r) => r.eventsPerSecond)))}..${Math.round(Math.max(...proc.map((r) => r.eventsPerSecond)))}`,
      'processor events/s, dynalite time taken out (median)': Math.round(own),
      'JSON floor events/s (median)': Math.round(f),
      'DynamoDB reads per event': round3(r0.readsPerEvent),
      'DynamoDB writes per event': round3(r0.writesPerEvent),
      'DynamoDB requests per event seen by the stand-in': round3(r0.requestsSeenPerEvent),
    },
    rows: [
      {
        stage: 'processor (in-process DynamoDB) vs JSON parse+stringify',
        measured: Math.round(p),
        floor: Math.round(f),
        ratio,
        target: '-',
      },
    ],
  };
}
