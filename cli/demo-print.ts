/** The demo's terminal output, from a DemoResult (plain text, no colours: it is also pasted into docs). */
import path from 'node:path';
import type { DemoResult } from '../demo/index.js';
import { ORDER_COMPLETED } from '../schemas/index.js';
import { ATTRIBUTION_MODELS } from '../sql/index.js';
import { formatTable } from './format.js';

const n = (v: number) => Math.round(v).toLocaleString('en-GB');
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function renderDemoText(r: DemoResult): string {
  const out: string[] = [];
  const h = (title: string) => out.push('', `== ${title}`);
  const t = r.dataset.truth;
  const ins = r.insights;

  h('Sent through the collector');
  const bySource = Object.entries(t.stats.bySource)
    .map(([s, c]) => `${s} ${n(c)}`)
    .join(', ');
  out.push(`${n(r.send.total.sent)} events from 5 sources (${bySource}), each with its own write key`);
  out.push(
    `  including ${n(t.stats.duplicates)} duplicates (same messageId twice), ` +
      `${n(t.stats.lateEvents)} late (sent hours after they happened), ${n(t.stats.invalidEvents)} invalid on purpose`,
  );
  const reasons = Object.entries(r.send.total.byReason)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.push(
    `  ${n(r.send.total.accepted)} accepted, ${n(r.send.total.rejected)} rejected${reasons ? ` (${reasons})` : ''}, ` +
      `${n(r.send.total.failed)} undelivered, in ${sec(r.timings.sendMs)}`,
  );
  out.push(
    r.landed.allLanded
      ? `  all landed in the lake: ${n(r.landed.eventsRows)} event rows, ` +
          `${n(r.landed.collectorRejections)} rejections in failed_events (waited ${sec(r.timings.drainMs)})`
      : `  WARNING: the lake holds ${n(r.landed.eventsRows)} event rows for ${n(r.send.total.accepted)} accepted events`,
  );

  const validOrders = new Set<string>();
  for (const events of Object.values(r.dataset.sources)) {
    for (const e of events) {
      if (e.event === ORDER_COMPLETED && !t.invalidIds.includes(e.messageId))
        validOrders.add(String((e.properties as { order_id?: unknown }).order_id));
    }
  }
  h('Overview');
  out.push(
    `events ${n(ins.counts.events)} (after removing ${n(ins.quality.duplicatesRemoved)} duplicates) · ` +
      `persons ${n(ins.counts.persons)} (true: ${n(Object.keys(t.persons).length)}) · sessions ${n(ins.counts.sessions)} · ` +
      `conversions ${n(ins.counts.conversions)} (sent: ${n(validOrders.size)} valid orders) · ` +
      `revenue ${ins.counts.currency ?? ''} ${ins.counts.revenue.toFixed(2)}`,
  );

  h('Top journeys (channel paths; a journey ends in a conversion or at the end of the data)');
  out.push(
    formatTable(
      ins.topJourneys.map((j) => ({
        path: j.path,
        journeys: j.journeys,
        conversions: j.conversions,
        'conv. rate': pct(j.journeys ? j.conversions / j.journeys : 0),
      })),
    ),
  );

  h('Funnel (persons, in order, within 14 days)');
  out.push(
    formatTable(
      ins.funnel.map((f) => ({
        step: `${f.step}. ${f.step_name}`,
        persons: f.persons,
        'of first': f.rate_from_first == null ? '' : pct(f.rate_from_first),
        'of previous': f.rate_from_previous == null ? '' : pct(f.rate_from_previous),
      })),
    ),
  );

  h('Channel hand-offs (friction = share not followed by a conversion; the rest of a visit, X -> web, left out)');
  out.push(
    formatTable(
      ins.handoffs.slice(0, 10).map((x) => ({
        'hand-off': `${x.from} -> ${x.to}`,
        count: x.count,
        'median gap':
          x.medianMinutes == null
            ? ''
            : x.medianMinutes < 90
              ? `${x.medianMinutes.toFixed(0)} min`
              : `${(x.medianMinutes / 60).toFixed(1)} h`,
        friction: x.friction == null ? '' : pct(x.friction),
      })),
    ),
  );

  h('Attribution: share of conversions credited to each channel, every model side by side');
  out.push(attributionTable(r));
  out.push(
    '  rule-based models: the attribution_summary view; markov (order 1, exact), shapley (simplified) and shapley_exact: ' +
      'analytics/attribution over channel_paths',
  );
  out.push('  truth: share of the conversions each channel truly CAUSED (exact Shapley split of the known true lifts; direct causes none)');
  out.push('  why models and truth differ: (1) stitching: ad clicks on devices a person never identified on stay with an');
  out.push('  unlinked anonymous person, so channels seen where people are known (store) collect their credit; (2) confounding:');
  out.push('  paid search mostly reaches bargain hunters, who rarely buy anyway, and path-based models see correlation, not');
  out.push('  cause; (3) direct causes nothing but is how people come back to buy');
  for (const note of ins.attributionNotes) out.push(`  note: ${note}`);

  h('Identity stitching vs the truth (pairwise over events)');
  out.push(
    `precision ${pct(r.identity.precision)} · recall ${pct(r.identity.recall)} · F1 ${pct(r.identity.f1)} · ` +
      `${n(r.identity.predictedPersons)} persons found for ${n(r.identity.truePersons)} true persons in ${n(r.identity.items)} events`,
  );
  out.push(
    '  ceiling from the evidence (events linked by any identifier they share, shared devices not followed): ' +
      `recall ${pct(r.identityCeiling.recall)}, ${n(r.identityCeiling.predictedPersons)} persons`,
  );
  out.push(
    `  ${n(t.stats.sharedDevices)} family tablets shared by two people, ${n(t.stats.resets)} logouts/resets; ` +
      `merges made: ${n(r.stats.processor.identityChanges)}`,
  );

  h('Data quality');
  const rej = ins.quality.rejected.map((x) => `${x.reason} ${x.count}`).join(', ') || 'none';
  const fail = ins.quality.failed.map((x) => `${x.reason} ${x.count}`).join(', ') || 'none';
  out.push(`rejected at the collector: ${rej} · failed later: ${fail}`);
  out.push(
    `duplicates removed: ${n(ins.quality.duplicatesRemoved)} · late events (sent > 1 h after they happened): ${n(ins.quality.lateEvents)}`,
  );

  return out.join('\n');
}

function attributionTable(r: DemoResult): string {
  const ins = r.insights;
  const models = [...ATTRIBUTION_MODELS, 'markov', 'shapley', 'shapley_exact'] as string[];
  const totals = new Map<string, number>();
  for (const a of ins.attribution) totals.set(a.model, (totals.get(a.model) ?? 0) + a.conversions);
  const channels = [...new Set(ins.attribution.map((a) => a.channel))];
  const truth = r.dataset.truth.trueIncrementalConversions as Record<string, number>;
  const truthTotal = Object.entries(truth)
    .filter(([k]) => k !== 'baseline')
    .reduce((s, [, v]) => s + v, 0);
  const rows = channels.map((ch) => {
    const row: Record<string, unknown> = { channel: ch };
    for (const m of models) {
      const v = ins.attribution.find((a) => a.model === m && a.channel === ch)?.conversions ?? 0;
      const tot = totals.get(m) ?? 0;
      row[m] = tot > 0 ? pct(v / tot) : '';
    }
    row.truth = truthTotal > 0 && ch in truth ? pct((truth[ch] ?? 0) / truthTotal) : '–';
    return row;
  });
  rows.sort((a, b) => parseFloat(String(b.linear)) - parseFloat(String(a.linear)));
  const convRow: Record<string, unknown> = { channel: '(conversions split)' };
  for (const m of models) convRow[m] = (totals.get(m) ?? 0).toFixed(0);
  convRow.truth = '';
  return formatTable([...rows, convRow]);
}

/** A path as the user would type it: relative when it is inside the working folder. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

export function renderDemoFooter(r: DemoResult): string {
  return [
    '',
    `Report: ${shown(r.reportPath)}  (open it in a browser; it needs no network)`,
    `Data:   ${shown(r.dataDir)}  (truth and NDJSON per source in ${shown(r.outDir)})`,
    `Query:  npx threadline query journeys --lake ${shown(r.lakeDir)}`,
    `Timing: start ${sec(r.timings.startMs)}, send ${sec(r.timings.sendMs)}, land ${sec(r.timings.drainMs)}, ` +
      `queries ${sec(r.timings.queryMs)}; total ${sec(r.timings.totalMs)} ` +
      `(${n((r.send.total.sent / Math.max(1, r.timings.sendMs + r.timings.drainMs)) * 1000)} events/s end to end)`,
  ].join('\n');
}
