/**
 * The demo, end to end: start the local pipeline, generate a synthetic omnichannel dataset with ground
 * truth, send it through the real HTTP API (one write key per emitting source), wait until everything
 * has landed in the lake, then read the views and compare with the truth. Returns everything printed,
 * so tests can check the numbers without parsing text.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type PairwiseQuality, pairwiseQuality } from '../domain/index.js';
import { type LocalPipeline, type PipelineStats, startLocalPipeline } from '../local/index.js';
import type { TouchpointChannel } from '../schemas/index.js';
import { type SendResult, sendEvents } from './client/batch-sender.js';
import { type Dataset, generateDataset, SOURCE_NAMES, type SourceName, toNdjson } from './generator/index.js';
import { collectInsights, type Insights, resolvedPersons } from './insights.js';
import { eventIdentifiers, evidenceClusters } from './metrics.js';
import { DEFAULT_DEMO_OUT, LAST_DEMO_LAKE_FILE } from './paths.js';
import { toReportData } from './report/from-insights.js';
import { renderReport } from './report/render.js';

/** Each emitting system's default touchpoint channel. The website has none: its visits are classified by rules. */
export const SOURCE_CHANNELS: Record<SourceName, TouchpointChannel | undefined> = {
  web: undefined,
  app: 'mobile_app',
  pos: 'store',
  callcenter: 'call_center',
  email: 'email',
};

export interface DemoOptions {
  customers: number;
  seed: number;
  days?: number;
  /** Pipeline data folder; default a fresh temporary folder. */
  dataDir?: string;
  /** Where report.html, truth.json and the NDJSON per source go; default ./threadline-demo */
  outDir?: string;
  /** Called with events settled so far (progress bar). */
  onProgress?: (settled: number, total: number) => void;
  onPhase?: (phase: string, detail?: string) => void;
  /** Write the NDJSON files per source (default true). */
  writeNdjson?: boolean;
  /** Called once the pipeline runs, so that a caller can stop it cleanly on a signal. */
  onStarted?: (pipeline: LocalPipeline) => void;
}

export interface DemoResult {
  dataset: Dataset;
  dataDir: string;
  lakeDir: string;
  outDir: string;
  reportPath: string;
  url: string;
  send: Record<SourceName, SendResult> & {
    total: { sent: number; accepted: number; rejected: number; failed: number; byReason: Record<string, number> };
  };
  landed: { eventsRows: number; collectorRejections: number; allLanded: boolean };
  insights: Insights;
  identity: PairwiseQuality;
  /** Best possible from the evidence (identifiers shared by events, shared devices not followed). */
  identityCeiling: PairwiseQuality;
  timings: { startMs: number; generateMs: number; sendMs: number; drainMs: number; queryMs: number; totalMs: number };
  stats: PipelineStats;
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const t0 = Date.now();
  const phase = opts.onPhase ?? (() => {});
  const outDir = path.resolve(opts.outDir ?? DEFAULT_DEMO_OUT);
  await mkdir(outDir, { recursive: true });
  // By default the demo's pipeline lives beside its report (<out>/pipeline) and starts fresh each run:
  // the data are regenerated anyway, everything stays under one folder, and the lake can be queried
  // afterwards. A --data-dir given by the user is never wiped.
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : path.join(outDir, 'pipeline');
  if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });

  phase('start', dataDir);
  const pipeline: LocalPipeline = await startLocalPipeline({ dataDir });
  const startMs = Date.now() - t0;
  opts.onStarted?.(pipeline);
  try {
    const tg = Date.now();
    const dataset = generateDataset({ customers: opts.customers, seed: opts.seed, ...(opts.days ? { days: opts.days } : {}) });
    const generateMs = Date.now() - tg;
    if (opts.writeNdjson !== false) {
      await mkdir(path.join(outDir, 'sources'), { recursive: true });
      for (const s of SOURCE_NAMES) await writeFile(path.join(outDir, 'sources', `${s}.ndjson`), toNdjson(dataset.sources[s]));
      await writeFile(path.join(outDir, 'truth.json'), JSON.stringify(dataset.truth, null, 1));
    }
    phase('generated');

    // Send every source at once, each with its own write key, as the real systems would.
    const ts = Date.now();
    const total = dataset.truth.stats.events;
    let settled = 0;
    const results = await Promise.all(
      SOURCE_NAMES.map(async (s) => {
        const writeKey = await pipeline.sourceKey(s, SOURCE_CHANNELS[s]);
        const r = await sendEvents(dataset.sources[s], {
          url: pipeline.url,
          writeKey,
          batchSize: 250,
          concurrency: 1,
          onProgress: (n) => {
            settled += n;
            opts.onProgress?.(settled, total);
          },
        });
        return [s, r] as const;
      }),
    );
    const sendMs = Date.now() - ts;
    const send = Object.fromEntries(results) as unknown as DemoResult['send'];
    const byReason: Record<string, number> = {};
    for (const [, r] of results) for (const x of r.rejected) byReason[x.reason] = (byReason[x.reason] ?? 0) + 1;
    send.total = {
      sent: results.reduce((a, [, r]) => a + r.sent, 0),
      accepted: results.reduce((a, [, r]) => a + r.accepted, 0),
      rejected: results.reduce((a, [, r]) => a + r.rejected.length, 0),
      failed: results.reduce((a, [, r]) => a + r.failed, 0),
      byReason,
    };

    phase('drain');
    const td = Date.now();
    // generous: the processor runs at a few hundred to a thousand events/s (dynalite), so scale with the size
    await pipeline.drain(Math.max(300_000, total * 20));
    const drainMs = Date.now() - td;

    phase('query');
    const tq = Date.now();
    const engine = pipeline.engine;
    const [landedRow] = (await engine.query<{ n: number }>(`SELECT count(*) AS n FROM events`)).rows;
    const [rejRow] = (await engine.query<{ n: number }>(`SELECT count(*) AS n FROM failed_events WHERE stage = 'collector'`)).rows;
    const landed = {
      eventsRows: Number(landedRow?.n ?? 0),
      collectorRejections: Number(rejRow?.n ?? 0),
      allLanded: false,
    };
    // Every accepted event is one events row (duplicates too: the views dedup); every rejected one a failed_events row
    landed.allLanded = landed.eventsRows >= send.total.accepted && landed.collectorRejections >= send.total.rejected;

    const insights = await collectInsights(engine);
    const resolved = await resolvedPersons(engine);
    const pairs: { truth: string; predicted: string }[] = [];
    for (const [messageId, person] of resolved) {
      const truth = dataset.truth.eventPerson[messageId];
      if (truth) pairs.push({ truth, predicted: person });
    }
    const identity = pairwiseQuality(pairs);
    // The ceiling: what a perfect stitcher could link from the identifiers in the same events
    const shared = new Set(
      Object.entries(dataset.truth.identifierOwners)
        .filter(([, o]) => o.length > 1)
        .map(([k]) => k),
    );
    const evidence = evidenceClusters(
      SOURCE_NAMES.flatMap((s) => dataset.sources[s])
        .filter((e) => resolved.has(e.messageId))
        .map((e) => ({ messageId: e.messageId, identifiers: eventIdentifiers(e) })),
      shared,
    );
    const identityCeiling = pairwiseQuality([...evidence].map(([m, c]) => ({ truth: dataset.truth.eventPerson[m]!, predicted: c })));
    const queryMs = Date.now() - tq;

    const reportPath = path.join(outDir, 'report.html');
    const html = renderReport(
      toReportData(insights, {
        title: `Threadline demo: ${opts.customers} customers, seed ${opts.seed}`,
        sent: send.total.sent,
        accepted: send.total.accepted,
        identity: {
          precision: identity.precision,
          recall: identity.recall,
          f1: identity.f1,
          truePersons: identity.truePersons,
          predictedPersons: identity.predictedPersons,
        },
        trueIncremental: dataset.truth.trueIncrementalConversions,
        notes: [
          `Synthetic data: ${opts.customers} customers over ${dataset.truth.start.slice(0, 10)} to ${dataset.truth.end.slice(0, 10)}, ` +
            `seed ${opts.seed}; truth in truth.json.`,
          'The "truth" series is each channel\'s share of the conversions it truly caused ' +
            '(exact Shapley split of the known true lifts), scaled to the conversions the models split.',
          "Stitching precision/recall are pairwise over events: of the event pairs put in one person, the share truly one person's, and vice versa.",
          'Best recall the identifiers in the data allow (events linked whenever they share an identifier, shared tablets not followed): ' +
            `${(identityCeiling.recall * 100).toFixed(1)}%. ` +
            'Why the models differ from the truth: ' +
            'ad clicks on devices a person never identified on stay with an unlinked anonymous person ' +
            '(identified channels such as store collect their credit); ' +
            'paid search mostly reaches people who rarely buy anyway (path-based models see correlation, not cause); ' +
            'direct causes nothing but is how people come back to buy.',
        ],
      }),
    );
    await writeFile(reportPath, html);
    // so that `threadline query` can point the user at the demo's lake
    await writeFile(path.join(outDir, LAST_DEMO_LAKE_FILE), `${pipeline.lakeDir}\n`);
    return {
      dataset,
      dataDir,
      lakeDir: pipeline.lakeDir,
      outDir,
      reportPath,
      url: pipeline.url,
      send,
      landed,
      insights,
      identity,
      identityCeiling,
      timings: { startMs, generateMs, sendMs, drainMs, queryMs, totalMs: Date.now() - t0 },
      stats: pipeline.stats(),
    };
  } finally {
    phase('stop');
    await pipeline.stop();
  }
}
