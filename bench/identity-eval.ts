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
 *   npx tsx bench/identity-eval.ts [--customers 300] [--seed 7] [--json]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateDataset, SOURCE_NAMES } from '../demo/generator/index.js';
import { sendEvents } from '../demo/client/batch-sender.js';
import { SOURCE_CHANNELS } from '../demo/run.js';
import { startLocalPipeline } from '../local/pipeline.js';

export interface PairwiseScore {
  precision: number;
  recall: number;
  f1: number;
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
}

const pairs = (n: number) => (n * (n - 1)) / 2;

/** Pairwise precision/recall of a predicted clustering against the truth, over the same items. */
export function pairwiseScore(items: Array<{ predicted: string; truth: string }>): PairwiseScore {
  const cell = new Map<string, number>();
  const pred = new Map<string, number>();
  const tru = new Map<string, number>();
  for (const { predicted, truth } of items) {
    const k = `${predicted}\u0000${truth}`;
    cell.set(k, (cell.get(k) ?? 0) + 1);
    pred.set(predicted, (pred.get(predicted) ?? 0) + 1);
    tru.set(truth, (tru.get(truth) ?? 0) + 1);
  }
  let correctPairs = 0;
  for (const n of cell.values()) correctPairs += pairs(n);
  let predictedPairs = 0;
  for (const n of pred.values()) predictedPairs += pairs(n);
  let truePairs = 0;
  for (const n of tru.values()) truePairs += pairs(n);
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall || 1), truePairs, predictedPairs, correctPairs };
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

async function main(): Promise<void> {
  const customers = arg('customers', 300);
  const seed = arg('seed', 7);
  const json = process.argv.includes('--json');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'threadline-identity-eval-'));
  const t0 = Date.now();
  const pipeline = await startLocalPipeline({ dataDir, inMemory: true, lakeFlushMs: 1_000 });
  try {
    const dataset = generateDataset({ customers, seed, now: '2026-03-01T00:00:00Z' });
    await Promise.all(
      SOURCE_NAMES.map(async (s) => {
        const writeKey = await pipeline.sourceKey(s, SOURCE_CHANNELS[s]);
        await sendEvents(dataset.sources[s], { url: pipeline.url, writeKey, batchSize: 250, concurrency: 1 });
      }),
    );
    await pipeline.drain(600_000);
    type Row = { message_id: string; person_id: string | null } & Record<'anonymous_id' | 'user_id' | 'device_id' | 'email_hash' | 'phone_hash' | 'loyalty_id' | 'crm_id' | 'previous_id', string | null>;
    const events = (
      await pipeline.engine.query<Row>(
        `SELECT DISTINCT message_id, person_id, anonymous_id, user_id, device_id, email_hash, phone_hash, loyalty_id, crm_id, previous_id FROM events`,
      )
    ).rows;
    const changes = (await pipeline.engine.query<{ from: string; to: string }>(`SELECT DISTINCT from_person_id AS "from", to_person_id AS "to" FROM identity_changes`)).rows;
    const final = restitch(changes);
    const truth = dataset.truth.eventPerson;
    const items: Array<{ predicted: string; truth: string }> = [];
    const seen = new Set<string>();
    let unstamped = 0;
    for (const e of events) {
      if (seen.has(e.message_id)) continue;
      seen.add(e.message_id);
      const t = truth[e.message_id];
      if (!t) continue;
      if (!e.person_id) {
        unstamped++;
        continue;
      }
      items.push({ predicted: final(e.person_id), truth: t });
    }
    const score = pairwiseScore(items);
    const oracleRows = events
      .filter((e) => e.person_id && truth[e.message_id])
      .map((e) => ({
        message_id: e.message_id,
        truth: truth[e.message_id]!,
        ids: (['anonymous_id', 'user_id', 'device_id', 'email_hash', 'phone_hash', 'loyalty_id', 'crm_id', 'previous_id'] as const)
          .map((k) => e[k])
          .filter((v): v is string => Boolean(v)),
      }));
    const oracle = oracleClusters(oracleRows);
    const oracleSeen = new Set<string>();
    const oracleScore = pairwiseScore(
      oracleRows.filter((r) => !oracleSeen.has(r.message_id) && oracleSeen.add(r.message_id)).map((r) => ({ predicted: oracle.get(r.message_id)!, truth: r.truth })),
    );
    const predictedPersons = new Set(items.map((i) => i.predicted)).size;
    const truePersons = new Set(items.map((i) => i.truth)).size;
    // Over-merge: a predicted person holding events of more than one true person.
    const owners = new Map<string, Set<string>>();
    for (const i of items) (owners.get(i.predicted) ?? owners.set(i.predicted, new Set()).get(i.predicted)!).add(i.truth);
    const overMerged = [...owners.values()].filter((s) => s.size > 1).length;
    const fragments = new Map<string, Set<string>>();
    for (const i of items) (fragments.get(i.truth) ?? fragments.set(i.truth, new Set()).get(i.truth)!).add(i.predicted);
    const split = [...fragments.values()].filter((s) => s.size > 1).length;

    const stats = pipeline.stats();
    const processed = stats.processor.events;
    const per1k = (n: number) => Math.round((n / processed) * 1000 * 10) / 10;
    const id = stats.identity;
    const result = {
      customers,
      seed,
      eventsGenerated: dataset.truth.stats.events,
      eventsProcessed: processed,
      eventsScored: items.length,
      unstampedEvents: unstamped,
      truePersons,
      predictedPersons,
      overMergedPersons: overMerged,
      splitPersons: split,
      sharedDevicesInTruth: dataset.truth.stats.sharedDevices,
      pairwise: score,
      /** Upper bound without over-merging (see oracleClusters) and our recall relative to it. */
      achievableRecall: oracleScore.recall,
      recallOfAchievable: oracleScore.recall === 0 ? 1 : score.recall / oracleScore.recall,
      dynamodbPer1000Events: {
        readRequests: per1k(id.batchGetCalls + id.getCalls),
        itemsRead: per1k(id.itemsRead),
        writeRequests: per1k(id.updateCalls),
        ofWhichLeaseWrites: per1k(id.lockWrites),
        writingEvents: per1k(id.writingEvents),
      },
      dynamodbPerPerson: {
        writeRequests: Math.round((id.updateCalls / truePersons) * 10) / 10,
        readRequests: Math.round(((id.batchGetCalls + id.getCalls) / truePersons) * 10) / 10,
      },
      identity: id,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    if (json) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
      console.log(`identity eval: ${customers} customers, seed ${seed}, ${result.eventsGenerated} events generated, ${processed} processed, ${items.length} scored (${result.seconds}s)`);
      console.log(`  pairwise precision ${pct(score.precision)}  recall ${pct(score.recall)}  F1 ${pct(score.f1)}`);
      console.log(`  achievable recall (identifiers used by one true person only) ${pct(oracleScore.recall)} -> ${pct(result.recallOfAchievable)} of what can be linked`);
      console.log(`  persons: true ${truePersons}, predicted ${predictedPersons}, over-merged ${overMerged}, split ${split}`);
      const d = result.dynamodbPer1000Events;
      console.log(`  DynamoDB per 1,000 events: ${d.readRequests} read requests (${d.itemsRead} items), ${d.writeRequests} write requests (${d.ofWhichLeaseWrites} of them lease acquire/release); ${d.writingEvents} events took the write path`);
    }
  } finally {
    await pipeline.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('identity-eval.ts')) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
