/**
 * Identity stitching evaluation (`npm run eval:identity`).
 *
 * Generates an omnichannel dataset with known true persons (demo/generator: anonymous web and app
 * visitors becoming known, e-mail identify in the app, loyalty cards in stores, calls from known
 * phones, a family tablet shared by two people, logouts resetting the anonymous id, late and
 * duplicated events), pushes it through the WHOLE local pipeline (HTTP collector -> kinesalite ->
 * poller -> processor -> dynalite + local Firehose -> Parquet lake), then reads the lake back:
 * each event's person_id re-stitched through identity_changes, compared with the truth.
 *
 * Reports pairwise precision and recall over events (pairs of events put in the same person
 * correctly / all pairs put together; / all pairs truly together), cluster counts, and DynamoDB
 * requests per 1,000 events.
 *
 *   npx tsx bench/identity-eval.ts [--customers 300] [--seed 7] [--days 21] [--json] [--no-compare]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Dataset, SourceName } from '../demo/index.js';
import { generateDataset, SOURCE_CHANNELS, SOURCE_NAMES, sendEvents } from '../demo/index.js';
import { type PairwiseQuality, pairwiseQuality } from '../domain/index.js';
import type { StoreStats } from '../lambdas/index.js';
import { createProcessor, DEFAULT_IDENTITY_RULES, type IdentityRules, localConfig } from '../lambdas/index.js';
import type { FirehoseSink } from '../local/index.js';
import { startLocalDynamo, startLocalFirehose, startLocalPipeline } from '../local/index.js';

// The pinned AWS SDK runs on Node 20; its notice that later releases need Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export type PairwiseScore = Pick<PairwiseQuality, 'precision' | 'recall' | 'f1' | 'truePairs' | 'predictedPairs' | 'correctPairs'>;

/** Pairwise precision/recall of a predicted clustering against the truth, over the same items, with the fields the report prints. */
export function pairwiseScore(items: Array<{ predicted: string; truth: string }>): PairwiseScore {
  const q = pairwiseQuality(items);
  return {
    precision: q.precision,
    recall: q.recall,
    f1: q.f1,
    truePairs: q.truePairs,
    predictedPairs: q.predictedPairs,
    correctPairs: q.correctPairs,
  };
}

/** Follow identity_changes (from -> to) to the final person; tolerant of chains in any order. */
export function restitch(changes: Array<{ from: string; to: string }>): (person: string) => string {
  const next = new Map<string, string>();
  for (const c of changes) next.set(c.from, c.to);
  return (person) => {
    let p = person;
    for (let hops = 0; next.has(p) && hops < 10_000; hops++) p = next.get(p)!;
    return p;
  };
}

/**
 * The best any stitching can do without ever merging two true persons: events connected through
 * identifiers that only ONE true person ever used (anonymous web visits that never log in, or a
 * loyalty card never shown with anything else, cannot be linked by anyone).
 */
export function oracleClusters(rows: Array<{ message_id: string; ids: string[]; truth: string }>): Map<string, string> {
  const owners = new Map<string, Set<string>>();
  for (const r of rows) for (const id of r.ids) (owners.get(id) ?? owners.set(id, new Set()).get(id)!).add(r.truth);
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let p = x;
    while (parent.get(p) !== undefined && parent.get(p) !== p) p = parent.get(p)!;
    return p;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const r of rows) {
    parent.set(`m:${r.message_id}`, parent.get(`m:${r.message_id}`) ?? `m:${r.message_id}`);
    for (const id of r.ids) if (owners.get(id)!.size === 1) union(`m:${r.message_id}`, `i:${id}`);
  }
  return new Map(rows.map((r) => [r.message_id, find(`m:${r.message_id}`)]));
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

type LakeRow = { message_id: string; person_id: string | null } & Record<
  'anonymous_id' | 'user_id' | 'device_id' | 'email_hash' | 'phone_hash' | 'loyalty_id' | 'crm_id' | 'previous_id',
  string | null
>;
const ID_COLUMNS = ['anonymous_id', 'user_id', 'device_id', 'email_hash', 'phone_hash', 'loyalty_id', 'crm_id', 'previous_id'] as const;

export interface ClusterScore {
  eventsScored: number;
  unstampedEvents: number;
  truePersons: number;
  predictedPersons: number;
  overMergedPersons: number;
  splitPersons: number;
  pairwise: PairwiseScore;
  achievableRecall: number;
  recallOfAchievable: number;
}

/** Score lake rows (events + identity changes) against the truth (messageId -> true person). */
export function scoreClusters(
  events: LakeRow[],
  changes: Array<{ from: string; to: string }>,
  truth: Record<string, string>,
): ClusterScore {
  const final = restitch(changes);
  const items: Array<{ predicted: string; truth: string }> = [];
  const oracleRows: Array<{ message_id: string; ids: string[]; truth: string }> = [];
  const seen = new Set<string>();
  let unstamped = 0;
  for (const e of events) {
    if (seen.has(e.message_id)) continue; // duplicates (client retries, replays) count once
    seen.add(e.message_id);
    const t = truth[e.message_id];
    if (!t) continue;
    if (!e.person_id) {
      unstamped++;
      continue;
    }
    items.push({ predicted: final(e.person_id), truth: t });
    oracleRows.push({ message_id: e.message_id, truth: t, ids: ID_COLUMNS.map((k) => e[k]).filter((v): v is string => Boolean(v)) });
  }
  const pairwise = pairwiseScore(items);
  const oracle = oracleClusters(oracleRows);
  const oracleScore = pairwiseScore(oracleRows.map((r) => ({ predicted: oracle.get(r.message_id)!, truth: r.truth })));
  const owners = new Map<string, Set<string>>();
  const fragments = new Map<string, Set<string>>();
  for (const i of items) {
    (owners.get(i.predicted) ?? owners.set(i.predicted, new Set()).get(i.predicted)!).add(i.truth);
    (fragments.get(i.truth) ?? fragments.set(i.truth, new Set()).get(i.truth)!).add(i.predicted);
  }
  return {
    eventsScored: items.length,
    unstampedEvents: unstamped,
    truePersons: fragments.size,
    predictedPersons: owners.size,
    // Over-merged: a predicted person holding events of more than one true person.
    overMergedPersons: [...owners.values()].filter((x) => x.size > 1).length,
    splitPersons: [...fragments.values()].filter((x) => x.size > 1).length,
    pairwise,
    achievableRecall: oracleScore.recall,
    recallOfAchievable: oracleScore.recall === 0 ? 1 : pairwise.recall / oracleScore.recall,
  };
}

function ddbFigures(id: StoreStats, processed: number, persons: number) {
  const per1k = (n: number) => Math.round((n / processed) * 1000 * 10) / 10;
  return {
    perThousandEvents: {
      readRequests: per1k(id.batchGetCalls + id.getCalls),
      itemsRead: per1k(id.itemsRead),
      readRequestUnits: per1k(id.readUnits),
      writeRequests: per1k(id.updateCalls),
      ofWhichLeaseWrites: per1k(id.lockWrites),
      writingEvents: per1k(id.writingEvents),
    },
    perPerson: {
      readRequests: Math.round(((id.batchGetCalls + id.getCalls) / persons) * 10) / 10,
      writeRequests: Math.round((id.updateCalls / persons) * 10) / 10,
    },
  };
}

/** The whole local pipeline: HTTP collector -> Kinesis -> poller -> processor -> Firehose -> Parquet. */
async function runPipeline(dataset: Dataset) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'threadline-identity-eval-'));
  const pipeline = await startLocalPipeline({ dataDir, inMemory: true, lakeFlushMs: 1_000 });
  try {
    await Promise.all(
      SOURCE_NAMES.map(async (s) => {
        const writeKey = await pipeline.sourceKey(s, SOURCE_CHANNELS[s]);
        await sendEvents(dataset.sources[s], { url: pipeline.url, writeKey, batchSize: 250, concurrency: 1 });
      }),
    );
    await pipeline.drain(600_000);
    const events = (await pipeline.engine.query<LakeRow>(`SELECT message_id, person_id, ${ID_COLUMNS.join(', ')} FROM events`)).rows;
    const changesSql = `SELECT DISTINCT from_person_id AS "from", to_person_id AS "to" FROM identity_changes`;
    const changes = (await pipeline.engine.query<{ from: string; to: string }>(changesSql)).rows;
    const stats = pipeline.stats();
    return {
      events,
      changes,
      processed: stats.processor.events,
      identity: stats.identity,
      firehoseRecords: stats.firehose.recordsAccepted,
    };
  } finally {
    await pipeline.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** FirehoseSink keeping parsed JSON lines per stream (the direct run reads them back). */
class RowsSink implements FirehoseSink {
  readonly rows = new Map<string, Record<string, unknown>[]>();
  async write(stream: string, records: Buffer[]): Promise<void> {
    const list = this.rows.get(stream) ?? this.rows.set(stream, []).get(stream)!;
    // A record holds one or several newline-delimited rows (the processor packs them).
    for (const r of records)
      for (const line of r.toString('utf8').split('\n')) if (line.trim()) list.push(JSON.parse(line) as Record<string, unknown>);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * The processor alone on dynalite + the local Firehose endpoint, fed envelopes the way the collector
 * writes them, in arrival order per source (sources interleaved). Used to compare identity rules.
 */
async function runDirect(dataset: Dataset, identity: IdentityRules) {
  const dynamo = await startLocalDynamo();
  const sink = new RowsSink();
  const firehose = await startLocalFirehose({ sink });
  try {
    const config = localConfig({ identity });
    await dynamo.ensureTable(config.identityTable);
    const processor = createProcessor({ dynamo: dynamo.client, firehose: firehose.client, config });
    const queues = SOURCE_NAMES.map((s) => dataset.sources[s].map((event) => ({ s, event })));
    const merged: Array<{ s: SourceName; event: Record<string, unknown> }> = [];
    for (let i = 0; queues.some((q) => i < q.length); i++) for (const q of queues) if (i < q.length) merged.push(q[i]!);
    let seq = 0;
    for (let i = 0; i < merged.length; i += 200) {
      const Records = merged.slice(i, i + 200).map(({ s, event }) => {
        const receivedAt = typeof event.timestamp === 'string' ? event.timestamp : new Date().toISOString();
        const source = { id: `src_${s}`, name: s, ...(SOURCE_CHANNELS[s] ? { defaultChannel: SOURCE_CHANNELS[s] } : {}) };
        const envelope = { v: 1, kind: 'event', source, receivedAt, event: { ...event, receivedAt } };
        const sequenceNumber = String(++seq).padStart(20, '0');
        return {
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: s,
            sequenceNumber,
            data: Buffer.from(JSON.stringify(envelope)).toString('base64'),
            approximateArrivalTimestamp: 0,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `shardId-000000000000:${sequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: 'arn:aws:iam::000000000000:role/eval',
          awsRegion: 'us-east-1',
          eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/eval',
        };
      });
      const res = await processor.handle({ Records });
      if (res.batchItemFailures.length > 0) throw new Error('unexpected batch item failures in the direct run');
    }
    const events = (sink.rows.get(config.streams.events) ?? []) as LakeRow[];
    const changes = (sink.rows.get(config.streams.identity) ?? []).map((c) => ({
      from: String(c.from_person_id),
      to: String(c.to_person_id),
    }));
    return { events, changes, processed: processor.stats.events, identity: processor.identity.stats };
  } finally {
    await firehose.close();
    await dynamo.close();
  }
}

async function main(): Promise<void> {
  const customers = arg('customers', 300);
  const seed = arg('seed', 7);
  const days = arg('days', 21);
  const json = process.argv.includes('--json');
  const compare = !process.argv.includes('--no-compare');
  const t0 = Date.now();
  const dataset = generateDataset({ customers, seed, days, now: '2026-03-01T00:00:00Z' });
  const truth = dataset.truth.eventPerson;

  const run = await runPipeline(dataset);
  const score = scoreClusters(run.events, run.changes, truth);
  const result: Record<string, unknown> = {
    customers,
    seed,
    days,
    eventsGenerated: dataset.truth.stats.events,
    eventsProcessed: run.processed,
    sharedDevicesInTruth: dataset.truth.stats.sharedDevices,
    resetsInTruth: dataset.truth.stats.resets,
    ...score,
    dynamodb: ddbFigures(run.identity, run.processed, score.truePersons),
    firehoseRecordsPer1000Events: Math.round((run.firehoseRecords / run.processed) * 1000),
    identityStats: run.identity,
  };
  // The same events through the processor alone, with and without the over-merge guard rails.
  let comparison: Array<{ rules: string; score: ClusterScore }> = [];
  if (compare) {
    const off: IdentityRules = {
      ...DEFAULT_IDENTITY_RULES,
      maxUsers: Object.fromEntries(Object.keys(DEFAULT_IDENTITY_RULES.maxUsers).map((k) => [k, 1_000_000])),
      mergeWeakOnly: true,
    };
    comparison = [
      { rules: 'default guard rails', score: scoreClusters(...pick(await runDirect(dataset, DEFAULT_IDENTITY_RULES)), truth) },
      {
        rules: 'user-id exclusivity only (no shared detection, weak-only merges on)',
        score: scoreClusters(...pick(await runDirect(dataset, off)), truth),
      },
    ];
    result.comparison = comparison;
  }
  result.seconds = Math.round((Date.now() - t0) / 100) / 10;

  if (json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const d = (result.dynamodb as ReturnType<typeof ddbFigures>).perThousandEvents;
  const pp = (result.dynamodb as ReturnType<typeof ddbFigures>).perPerson;
  console.log(
    `identity eval: ${customers} customers over ${days} days (seed ${seed}), ${result.eventsGenerated} events generated, ` +
      `${run.processed} processed by the local pipeline, ${score.eventsScored} scored; ${result.seconds}s`,
  );
  console.log(`  pairwise precision ${pct(score.pairwise.precision)}  recall ${pct(score.pairwise.recall)}  F1 ${pct(score.pairwise.f1)}`);
  console.log(
    `  achievable recall (links through identifiers only one true person used) ${pct(score.achievableRecall)}; ` +
      `reached ${pct(score.recallOfAchievable)} of it`,
  );
  console.log(
    `  persons: true ${score.truePersons}, predicted ${score.predictedPersons}, over-merged ${score.overMergedPersons}, ` +
      `split ${score.splitPersons}; shared devices in truth ${result.sharedDevicesInTruth}`,
  );
  console.log(
    `  DynamoDB per 1,000 events: ${d.readRequests} read requests (${d.readRequestUnits} RRU), ` +
      `${d.writeRequests} write requests (= WRU, items < 1 KB) (${d.ofWhichLeaseWrites} lease acquire/release); ` +
      `${d.writingEvents} events needed a write`,
  );
  console.log(`  Firehose records per 1,000 events (rows packed into <= 5 KB records): ${result.firehoseRecordsPer1000Events}`);
  console.log(`  DynamoDB per person: ${pp.readRequests} read requests, ${pp.writeRequests} write requests`);
  for (const c of comparison) {
    console.log(
      `  processor alone, ${c.rules}: precision ${pct(c.score.pairwise.precision)}, recall ${pct(c.score.pairwise.recall)}, ` +
        `over-merged persons ${c.score.overMergedPersons}`,
    );
  }
}

function pick(r: { events: LakeRow[]; changes: Array<{ from: string; to: string }> }): [LakeRow[], Array<{ from: string; to: string }>] {
  return [r.events, r.changes];
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('identity-eval.ts')) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
