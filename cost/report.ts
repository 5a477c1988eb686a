/**
 * Renders cost estimates as the markdown of docs/cost.md (and the terminal output of `threadline
 * cost`): per-million figures at 10 M / 100 M / 1 B events a month next to the Game Analytics
 * Pipeline anchor, the breakdown per component, variants, prices and per-event figures with their
 * provenance.
 */
import {
  type CostEstimate,
  DEFAULT_COST_MONTH,
  type DeploymentFacts,
  estimateMonthlyCost,
  type PerEventFigures,
  provisionedShardsNeeded,
  withFigures,
} from './model.js';
import { ANCHORS, PRICES } from './prices.js';

export const VOLUMES = [10e6, 100e6, 1e9] as const;

/** @segment/analytics-node's default flushAt: the batch a server-side SDK sends. */
export const SERVER_SDK_EVENTS_PER_REQUEST = 15;

/** Months shown in the storage growth table. */
export const GROWTH_MONTHS = [1, 3, 6, 12, 24] as const;

export interface Variant {
  name: string;
  why: string;
  deployment: DeploymentFacts;
  figures: PerEventFigures;
}

const usd = (n: number) => (n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(3)}`);
const vol = (n: number) => (n >= 1e9 ? `${n / 1e9} B` : `${n / 1e6} M`);

function mark(v: Variant): Variant {
  resized.add(v);
  return v;
}

/** Variants worth showing next to the deployment as configured. */
export function standardVariants(d: DeploymentFacts, f: PerEventFigures): Variant[] {
  const provisionedShards = (n: number) => provisionedShardsNeeded(n, f, d.processorParallelizationFactor);
  const variants: Variant[] = [
    { name: 'as configured', why: 'the synthesized stack with the per-event figures below', deployment: d, figures: f },
    ...batchingVariants(d, f),
    {
      // The processor packs by default; this shows what packing saves, and what a deployment with
      // packing turned off pays (every row its own record, each billed as 5 KB).
      name: 'unpacked (THREADLINE_FIREHOSE_PACK_BYTES=0)',
      why:
        `processor sends one Firehose record per lake row: ${f.lakeRowsPerEvent.value} records/event ` +
        `instead of ${f.firehoseRecordsPerEvent.value}, each billed as 5 KB`,
      deployment: d,
      figures: withFigures(f, {
        firehoseRecordsPerEvent: {
          value: f.lakeRowsPerEvent.value,
          basis: f.lakeRowsPerEvent.basis,
          source: 'scenario: one record per lake row',
        },
      }),
    },
  ];
  if (f.dynamoWriteUnitsPerEvent.value > 0.2) {
    variants.push({
      name: 'mature identity graph',
      why: `most identifiers already known: 0.1 WRU/event instead of the ${f.dynamoWriteUnitsPerEvent.value} measured on identity-dense demo data (assumption)`,
      deployment: d,
      figures: withFigures(f, { dynamoWriteUnitsPerEvent: { value: 0.1, basis: 'assumption', source: 'scenario' } }),
    });
  }
  if (d.streamMode === 'on-demand') {
    variants.push(
      mark({
        name: 'provisioned shards',
        why: 'stream.mode=provisioned sized for each volume (peak x3): cheaper than on-demand at steady volume',
        deployment: { ...d, streamMode: 'provisioned', shardCount: provisionedShards(1e9) },
        figures: f,
      }),
    );
  }
  const matureWrites = f.dynamoWriteUnitsPerEvent.value > 0.1;
  const batchMore = f.eventsPerRequest.value < SERVER_SDK_EVENTS_PER_REQUEST;
  let optimised = matureWrites ? withFigures(f, { dynamoWriteUnitsPerEvent: { value: 0.1, basis: 'assumption', source: 'scenario' } }) : f;
  if (batchMore) {
    optimised = withFigures(optimised, {
      eventsPerRequest: { value: SERVER_SDK_EVENTS_PER_REQUEST, basis: 'assumption', source: 'scenario' },
    });
  }
  variants.push(
    mark({
      name: 'optimised',
      why:
        `provisioned shards${matureWrites ? ' + mature identity graph' : ''}` +
        `${batchMore ? ` + clients batching ${SERVER_SDK_EVENTS_PER_REQUEST} events/request` : ''}; Firehose packing as configured`,
      deployment: { ...d, streamMode: 'provisioned', shardCount: provisionedShards(1e9) },
      figures: optimised,
    }),
  );
  return variants;
}

/** The same stack with clients batching differently: one event per request, and a server SDK's flushAt. */
function batchingVariants(d: DeploymentFacts, f: PerEventFigures): Variant[] {
  const out: Variant[] = [];
  const at = (value: number) => withFigures(f, { eventsPerRequest: { value, basis: 'assumption', source: 'scenario' } });
  if (f.eventsPerRequest.value !== 1) {
    out.push({
      name: 'unbatched browsers (1 event/request)',
      why: 'every event its own HTTP request (analytics.js default)',
      deployment: d,
      figures: at(1),
    });
  }
  if (f.eventsPerRequest.value !== SERVER_SDK_EVENTS_PER_REQUEST) {
    out.push({
      name: `batched clients (${SERVER_SDK_EVENTS_PER_REQUEST} events/request)`,
      why: `server-side SDKs at @segment/analytics-node's default flushAt (${SERVER_SDK_EVENTS_PER_REQUEST}), or analytics.js with batching on`,
      deployment: d,
      figures: at(SERVER_SDK_EVENTS_PER_REQUEST),
    });
  }
  return out;
}

/** Variants that switch an on-demand deployment to provisioned are re-sized per volume. */
const resized = new WeakSet<Variant>();
const isResized = (v: Variant) => resized.has(v);

function estimateFor(v: Variant, n: number): CostEstimate {
  // Provisioned variants are re-sized per volume (the scenario says "sized for each volume").
  if (v.deployment.streamMode === 'provisioned' && isResized(v)) {
    const shards = provisionedShardsNeeded(n, v.figures, v.deployment.processorParallelizationFactor);
    return estimateMonthlyCost({ ...v.deployment, shardCount: shards }, v.figures, n);
  }
  return estimateMonthlyCost(v.deployment, v.figures, n);
}

export function renderCostMarkdown(opts: {
  stage: string;
  deployment: DeploymentFacts;
  figures: PerEventFigures;
  generatedBy: string;
}): string {
  const { deployment: d, figures: f } = opts;
  const variants = standardVariants(d, f);
  const base = VOLUMES.map((n) => estimateMonthlyCost(d, f, n));
  const gap = ANCHORS.gameAnalyticsPipeline;
  const out: string[] = [];
  out.push(`# Threadline cost model`, '');
  out.push(
    `Generated by \`${opts.generatedBy}\` from the synthesized \`${opts.stage}\` stack, the public prices and per-event figures below. Do not edit by hand.`,
    '',
  );
  out.push(
    'Monthly AWS cost of the ingest pipeline (collector, stream, processor, identity store, Firehose, lake storage, monitoring), ' +
      'us-east-1 list prices, no free tier. Athena query cost is excluded: it depends on how much is queried, ' +
      'not on how much is collected ($5 per TB scanned; the workgroup caps each query).',
    '',
  );
  out.push(
    `Every figure is the bill of month ${DEFAULT_COST_MONTH} at a steady volume: the lake (S3) and the identity table (DynamoDB, ` +
      'with point-in-time recovery) keep what earlier months wrote, so storage is charged on what has accumulated ' +
      `(${DEFAULT_COST_MONTH - 0.5} months of data on average during month ${DEFAULT_COST_MONTH}; see "Storage growth").`,
    '',
  );
  out.push(
    `**Client batching (an input, not a measurement): ${f.eventsPerRequest.value} event(s) per HTTP request** ` +
      `(${f.eventsPerRequest.basis}: ${f.eventsPerRequest.source}). It sets the API Gateway and collector Lambda lines; ` +
      'the batching variants below show other values.',
    '',
  );
  out.push('## Cost per million events', '');
  out.push(`| events / month | total / month | per million (all-in) | per million (volume-proportional) | ${gap.name.split(' (')[0]} |`);
  out.push('| ---: | ---: | ---: | ---: | ---: |');
  for (const e of base) {
    out.push(
      `| ${vol(e.eventsPerMonth)} | ${usd(e.totalUsd)} | ${usd(e.perMillionUsd)} | ${usd(e.variablePerMillionUsd)} | ` +
        `$${gap.lowUsdPerMillion}-${gap.highUsdPerMillion} |`,
    );
  }
  out.push('');
  out.push(
    '"All-in" spreads the fixed monthly charges (on-demand stream-hours, custom metrics, alarms, dashboard, secret) over the volume; ' +
      `"volume-proportional" leaves them out, which is how the anchor's per-million figure is stated. ` +
      `The anchor (${gap.basis}) is from ${gap.source}. ` +
      'Threadline does more per event (identity stitching in DynamoDB, enrichment, dedup keys, failed-event capture), ' +
      'so parity would be a good result, not the expectation.',
    '',
  );
  for (const e of base) for (const w of e.warnings) out.push(`> Warning: ${w}`, '');

  out.push('## Variants (per million events, all-in)', '');
  out.push(`| variant | ${VOLUMES.map(vol).join(' | ')} | what changes |`);
  out.push(`| --- | ${VOLUMES.map(() => '---:').join(' | ')} | --- |`);
  for (const v of variants) out.push(`| ${v.name} | ${VOLUMES.map((n) => usd(estimateFor(v, n).perMillionUsd)).join(' | ')} | ${v.why} |`);
  out.push('');

  out.push('## Breakdown (as configured)', '');
  out.push(`| component | ${VOLUMES.map(vol).join(' | ')} | basis at ${vol(VOLUMES[VOLUMES.length - 1]!)} |`);
  out.push(`| --- | ${VOLUMES.map(() => '---:').join(' | ')} | --- |`);
  const last = base[base.length - 1]!;
  for (const [i, line] of last.lines.entries()) {
    out.push(
      `| ${line.component}${line.fixed ? ' (fixed)' : ''} | ${base.map((e) => usd(e.lines[i]!.usd)).join(' | ')} | ${line.detail} |`,
    );
  }
  out.push(`| **total** | ${base.map((e) => `**${usd(e.totalUsd)}**`).join(' | ')} | |`);
  out.push('');

  const growthVolume = 100e6;
  out.push(`## Storage growth (${vol(growthVolume)} events a month)`, '');
  out.push(
    `Storage lines by month of operation: S3 keeps the lake ${d.lakeRetentionDays > 0 ? `for ${d.lakeRetentionDays} days` : 'for ever (no expiration configured)'}, ` +
      'the identity table keeps every identifier it has linked.',
    '',
  );
  const growthLines = ['S3 lake storage', 'DynamoDB identity storage', 'DynamoDB point-in-time recovery'];
  out.push(`| month | ${growthLines.join(' | ')} | total bill |`);
  out.push(`| ---: | ${growthLines.map(() => '---:').join(' | ')} | ---: |`);
  for (const m of GROWTH_MONTHS) {
    const e = estimateMonthlyCost(d, f, growthVolume, { month: m });
    const cell = (name: string) => usd(e.lines.find((l) => l.component === name)?.usd ?? 0);
    out.push(`| ${m} | ${growthLines.map(cell).join(' | ')} | ${usd(e.totalUsd)} |`);
  }
  out.push('');

  out.push('## The deployment as synthesized', '');
  out.push('| fact | value |', '| --- | --- |');
  for (const [k, v] of Object.entries(d)) out.push(`| ${k} | ${String(v)} |`);
  out.push('');

  out.push('## Per-event figures', '');
  out.push('| figure | value | basis | source |', '| --- | ---: | --- | --- |');
  for (const [k, v] of Object.entries(f)) out.push(`| ${k} | ${v.value} | ${v.basis} | ${v.source} |`);
  out.push('');
  out.push(
    'Assumptions are replaced by measurements with `threadline cost --figures <file.json>` ' +
      '(`{"processorMsPerEvent": {"value": 0.4, "source": "CloudWatch Duration / events, prod, May"}}`).',
    '',
  );

  out.push('## Prices', '');
  out.push('| price | USD | unit | source | read |', '| --- | ---: | --- | --- | --- |');
  for (const [k, p] of Object.entries(PRICES)) out.push(`| ${k} | ${p.usd} | ${p.unit} | ${p.source} | ${p.asOf} |`);
  out.push('');

  out.push('## Reading the numbers', '');
  const top = [...last.lines].sort((a, b) => b.usd - a.usd).slice(0, 3);
  out.push(
    `- At ${vol(last.eventsPerMonth)} events the largest items are ${top.map((l) => `${l.component} (${usd(l.usd)})`).join(', ')}.`,
    '- Firehose bills every record as at least 5 KB (ingestion and format conversion), ' +
      `and a lake row is ${f.lakeRecordBytes.value} bytes. ` +
      'The processor therefore packs newline-delimited rows of one stream into records of at most 5 KB ' +
      '(THREADLINE_FIREHOSE_PACK_BYTES, default 5120) and the delivery streams split them back before partitioning ' +
      `(RecordDeAggregation): ${f.firehoseRecordsPerEvent.value} records per event for ${f.lakeRowsPerEvent.value} rows. ` +
      'The "unpacked" variant is the same stack with packing off.',
    '- On-demand Kinesis rounds every record up to 1 KB and charges stream-hours; ' +
      'at steady volume `-c threadline.stream.mode=provisioned -c threadline.stream.shardCount=N` is cheaper (variants), ' +
      'at the price of capacity planning and throttling alarms.',
    `- DynamoDB writes: ${f.dynamoWriteUnitsPerEvent.value} WRU/event ` +
      `(${f.dynamoWriteUnitsPerEvent.basis}: ${f.dynamoWriteUnitsPerEvent.source}). ` +
      'Demo data is identity-dense (most identifiers new), so this is an upper bound; ' +
      'once most customers are known, writes happen only for new links and merges (the "mature identity graph" variant).',
    `- DynamoDB reads: ${f.dynamoReadUnitsPerEvent.value} RRU/event (${f.dynamoReadUnitsPerEvent.basis}). ` +
      'BatchGetItem has no per-call charge but bills every key it is asked for, found or not: 0.5 RRU per item up to 4 KB ' +
      'eventually consistent, 1 RRU strongly consistent. Counting only the items found (or adding a charge per call) understates it.',
    `- Client batching decides the request-priced lines: at ${f.eventsPerRequest.value} event(s) per request, ` +
      `API Gateway and the collector Lambda are paid ${f.eventsPerRequest.value === 1 ? 'once per event' : `once per ${f.eventsPerRequest.value} events`}. ` +
      `Browser SDKs send one event per request by default; @segment/analytics-node flushes at ${SERVER_SDK_EVENTS_PER_REQUEST} events ` +
      '(flushAt) or after 10 s (flushInterval), whichever comes first.',
    '- Below ~50 M events a month the fixed charges (stream-hours, custom metrics, alarms, dashboard) dominate the per-million figure.',
    '',
  );
  return out.join('\n');
}

export function renderCostText(opts: { stage: string; deployment: DeploymentFacts; figures: PerEventFigures }): string {
  const gap = ANCHORS.gameAnalyticsPipeline;
  const f = opts.figures;
  const lines = [
    `Threadline ${opts.stage}: AWS bill of month ${DEFAULT_COST_MONTH} (us-east-1 list prices; Athena queries excluded)`,
    `Client batching: ${f.eventsPerRequest.value} event(s) per request (${f.eventsPerRequest.basis}); change it with --figures.`,
    '',
  ];
  lines.push(
    `${'events/month'.padStart(12)}  ${'total'.padStart(10)}  ${'per M all-in'.padStart(12)}  ${'per M volume'.padStart(12)}  GAP per M`,
  );
  for (const n of VOLUMES) {
    const e = estimateMonthlyCost(opts.deployment, opts.figures, n);
    lines.push(
      `${vol(n).padStart(12)}  ${usd(e.totalUsd).padStart(10)}  ${usd(e.perMillionUsd).padStart(12)}  ` +
        `${usd(e.variablePerMillionUsd).padStart(12)}  $${gap.lowUsdPerMillion}-${gap.highUsdPerMillion}`,
    );
    for (const w of e.warnings) lines.push(`  warning: ${w}`);
  }
  const assumed = Object.entries(opts.figures)
    .filter(([, v]) => v.basis === 'assumption')
    .map(([k]) => k);
  lines.push('', `Per-event figures still assumed (not measured): ${assumed.length ? assumed.join(', ') : 'none'}.`);
  lines.push('Full breakdown and variants: threadline cost --markdown (docs/cost.md).');
  return lines.join('\n');
}
