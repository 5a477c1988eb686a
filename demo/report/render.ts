/**
 * renderReport(data) => one self-contained HTML page: inline SVG charts, inline CSS and a few lines of
 * inline JS, no network at all, so it opens from disk anywhere.
 *
 * Every chart is an <svg data-chart="..."> and every mark in it carries a class (link, node, bar) so that
 * tests can count what drew: flow -> one path.link and one rect.node + text.label per (step, channel) after
 * grouping (flow-groups.ts: every journey drawn, small channels and deep steps grouped); funnel -> one rect.bar per step; attribution -> one rect.bar per (channel, model);
 * quality -> one rect.bar per rejection/failure reason.
 */
import {
  CONVERSION,
  type FlowGroupOptions,
  type GroupedFlows,
  groupFlows,
  MORE_TOUCHES,
  NO_CONVERSION,
  OTHER_CHANNELS,
} from './flow-groups.js';
import type { AttributionRow, FlowRow, ReasonCount, ReportData } from './types.js';

export * from './flow-groups.js';
export * from './types.js';

export interface RenderOptions {
  /** How the flow diagram groups small channels and deep steps (it always draws every journey). */
  flow?: FlowGroupOptions;
}

const PALETTE: Record<string, string> = {
  web: '#4e79a7',
  mobile_app: '#59a14f',
  email: '#f28e2b',
  paid_search: '#e15759',
  paid_social: '#b07aa1',
  display: '#9c755f',
  organic_search: '#76b7b2',
  direct: '#bab0ac',
  referral: '#ff9da7',
  store: '#edc948',
  call_center: '#2f4b7c',
  chat: '#a05195',
  conversion: '#2ca02c',
  '(conversion)': '#2ca02c',
  null: '#d62728',
  '(null)': '#d62728',
  // grouped nodes in greys: they stand for several channels, not one
  [OTHER_CHANNELS]: '#9aa3b5',
  [MORE_TOUCHES]: '#6b7385',
};
const EXTRA = ['#17becf', '#bcbd22', '#8c564b', '#e377c2', '#7f7f7f', '#1f77b4', '#ff7f0e', '#9467bd'];
const MODEL_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#2f4b7c',
];

export function esc(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–';
const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');
const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

function colorOf(name: string, extra: Map<string, string>): string {
  const known = PALETTE[name];
  if (known) return known;
  if (!extra.has(name)) extra.set(name, EXTRA[extra.size % EXTRA.length]!);
  return extra.get(name)!;
}

// ---------------------------------------------------------------- flow (Sankey-like)
/** Smallest drawn node height (px in the viewBox): room for its label, which every node has. */
const NODE_MIN_H = 14;

/** `allConversions`: the report's conversion count, when known (some conversions have no touch to draw). */
export function renderFlow(rows: readonly FlowRow[], options: FlowGroupOptions = {}, allConversions?: number): string {
  const g = groupFlows(rows, options);
  const kept = g.rows;
  if (kept.length === 0) return emptyChart('flow', 'No channel paths yet.');
  const minStep = Math.min(...kept.map((r) => r.step));
  const cols = Math.max(...kept.map((r) => r.step)) - minStep + 2;
  type Node = { col: number; name: string; inV: number; outV: number; y: number; h: number; inOff: number; outOff: number };
  const nodes = new Map<string, Node>();
  const node = (col: number, name: string): Node => {
    const k = `${col}|${name}`;
    let n = nodes.get(k);
    if (!n) nodes.set(k, (n = { col, name, inV: 0, outV: 0, y: 0, h: 0, inOff: 0, outOff: 0 }));
    return n;
  };
  for (const r of kept) {
    node(r.step - minStep, r.source).outV += r.count;
    node(r.step - minStep + 1, r.target).inV += r.count;
  }
  const colW = 150;
  const W = Math.max(640, cols * colW);
  const padTop = 24;
  const nodeW = 14;
  const gap = 8;
  const byCol: Node[][] = Array.from({ length: cols }, () => []);
  for (const n of nodes.values()) byCol[n.col]!.push(n);
  const value = (n: Node) => Math.max(n.inV, n.outV);
  // Bands are scaled so the fullest step fits 420 units; nodes are at least NODE_MIN_H tall, so
  // a step with many small nodes makes the diagram taller instead of hiding labels.
  let scale = Infinity;
  for (const col of byCol) {
    if (col.length === 0) continue;
    const total = col.reduce((t, n) => t + value(n), 0);
    scale = Math.min(scale, (420 - padTop - 10 - gap * (col.length - 1)) / total);
  }
  const xOf = (col: number) => 10 + (col * (W - 130 - nodeW)) / Math.max(1, cols - 1);
  let H = 0;
  for (const col of byCol) {
    col.sort((a, b) => rankOf(a.name) - rankOf(b.name) || value(b) - value(a) || a.name.localeCompare(b.name));
    let y = padTop;
    for (const n of col) {
      n.y = y;
      n.h = Math.max(NODE_MIN_H, value(n) * scale);
      y += n.h + gap;
    }
    H = Math.max(H, y + 4);
  }
  const extra = new Map<string, string>();
  // Links drawn in a stable order (by source node position, then target) so bands do not cross needlessly
  const ordered = kept.slice().sort((a, b) => {
    const sa = node(a.step - minStep, a.source);
    const sb = node(b.step - minStep, b.source);
    const ta = node(a.step - minStep + 1, a.target);
    const tb = node(b.step - minStep + 1, b.target);
    return sa.col - sb.col || sa.y - sb.y || ta.y - tb.y;
  });
  const links: string[] = [];
  for (const r of ordered) {
    const s = node(r.step - minStep, r.source);
    const t = node(r.step - minStep + 1, r.target);
    const w = Math.max(0.8, r.count * scale);
    const x0 = xOf(s.col) + nodeW;
    const x1 = xOf(t.col);
    const y0 = s.y + s.outOff;
    const y1 = t.y + t.inOff;
    s.outOff += r.count * scale;
    t.inOff += r.count * scale;
    const xm = (x0 + x1) / 2;
    const d =
      `M${r1(x0)},${r1(y0)} C${r1(xm)},${r1(y0)} ${r1(xm)},${r1(y1)} ${r1(x1)},${r1(y1)} ` +
      `L${r1(x1)},${r1(y1 + w)} C${r1(xm)},${r1(y1 + w)} ${r1(xm)},${r1(y0 + w)} ${r1(x0)},${r1(y0 + w)} Z`;
    links.push(
      `<path class="link" d="${d}" fill="${colorOf(r.source, extra)}" data-step="${r.step}" data-source="${esc(r.source)}" ` +
        `data-target="${esc(r.target)}" data-count="${r.count}"><title>step ${r.step}: ${esc(r.source)} → ${esc(r.target)}: ${fmt(r.count)}</title></path>`,
    );
  }
  const nodeMarks: string[] = [];
  for (const n of nodes.values()) {
    const x = xOf(n.col);
    const key = `${n.col + minStep}|${n.name}`;
    nodeMarks.push(
      `<rect class="node" x="${r1(x)}" y="${r1(n.y)}" width="${nodeW}" height="${r1(n.h)}" fill="${colorOf(n.name, extra)}" ` +
        `data-node="${esc(key)}"><title>${esc(n.name)}: ${fmt(value(n))}</title></rect>`,
      `<text class="label" x="${r1(x + nodeW + 4)}" y="${r1(n.y + n.h / 2 + 4)}" data-node="${esc(key)}">${esc(n.name)} ` +
        `<tspan class="muted">${fmt(value(n))}</tspan></text>`,
    );
  }
  const stepLabels = Array.from({ length: cols }, (_, c) => {
    const step = c + minStep;
    const label = step > g.maxSteps + 1 ? '' : step === g.maxSteps + 1 && g.folded > 0 ? `step ${step}+` : `step ${step}`;
    return `<text class="axis" x="${r1(xOf(c))}" y="14">${label}</text>`;
  }).join('');
  const legend = [...new Set(kept.flatMap((r) => [r.source, r.target]))]
    .sort((a, b) => rankOf(a) - rankOf(b) || a.localeCompare(b))
    .map((name) => `<span class="key"><i style="background:${colorOf(name, extra)}"></i>${esc(name)}</span>`)
    .join('');
  const drawnConversions = kept.filter((r) => r.target === CONVERSION).reduce((t, r) => t + r.count, 0);
  return (
    `<div class="scroll"><svg data-chart="flow" viewBox="0 0 ${W} ${r1(H)}" width="100%" ` +
    `style="${readableWidth(W)}" role="img" aria-label="Channel path flows" ` +
    `data-journeys="${g.journeys}" data-conversions="${drawnConversions}">${stepLabels}` +
    `<g class="links">${links.join('')}</g><g class="nodes">${nodeMarks.join('')}</g></svg></div>` +
    `<div class="legend" data-legend="flow">${legend}</div>${flowNote(g, allConversions)}`
  );
}

/** Outcomes and the folded tail after the channels, in that order, in every step. */
function rankOf(name: string): number {
  return name === OTHER_CHANNELS ? 1 : name === MORE_TOUCHES ? 2 : name === CONVERSION ? 3 : name === NO_CONVERSION ? 4 : 0;
}

/** What the diagram shows and what it grouped, in words (the picture alone cannot say it). */
function flowNote(g: GroupedFlows, allConversions: number | undefined): string {
  const parts = [`Every journey is drawn: ${fmt(g.journeys)} journeys, ${fmt(g.conversions)} of them converting.`];
  const untouched = allConversions === undefined ? 0 : allConversions - g.conversions;
  if (untouched > 0) {
    parts.push(`${fmt(untouched)} of the ${fmt(allConversions!)} conversions had no touchpoint before them, so they have no path to draw.`);
  }
  if (g.grouped.length > 0) {
    const steps = g.grouped.map(
      (s) => `step ${s.step}: ${s.channels.map(esc).join(', ')} (${fmt(s.journeys)} ${s.journeys === 1 ? 'journey' : 'journeys'})`,
    );
    parts.push(`Smaller channels are grouped as “${OTHER_CHANNELS}” — ${steps.join('; ')}.`);
  }
  if (g.folded > 0) {
    parts.push(
      `${fmt(g.folded)} ${g.folded === 1 ? 'journey has' : 'journeys have'} more than ${g.maxSteps} touches: ` +
        `their later touches are drawn as one “${MORE_TOUCHES}” node before the outcome.`,
    );
  }
  if (g.grouped.length === 0 && g.folded === 0) parts.push('Nothing is grouped.');
  return `<p class="note" data-note="flow">${parts.join(' ')}</p>`;
}

// ---------------------------------------------------------------- funnel
export function renderFunnel(steps: ReportData['funnel']): string {
  if (steps.length === 0) return emptyChart('funnel', 'No funnel steps.');
  const W = 720;
  const rowH = 44;
  const labelW = 190;
  const H = steps.length * rowH + 10;
  const max = Math.max(1, ...steps.map((s) => s.persons));
  const first = steps[0]!.persons;
  const marks = steps.map((s, i) => {
    const w = Math.max(s.persons > 0 ? 2 : 0, ((W - labelW - 150) * s.persons) / max);
    const y = 6 + i * rowH;
    const prev = i > 0 ? steps[i - 1]!.persons : s.persons;
    const stepRate = prev > 0 ? s.persons / prev : 0;
    return (
      `<text class="label" x="${labelW - 8}" y="${y + 22}" text-anchor="end">${esc(s.step)}</text>` +
      `<rect class="bar" x="${labelW}" y="${y}" width="${r1(w)}" height="${rowH - 12}" fill="#4e79a7" data-value="${s.persons}">` +
      `<title>${esc(s.step)}: ${fmt(s.persons)} persons</title></rect>` +
      `<text class="value" x="${r1(labelW + w + 6)}" y="${y + 22}">${fmt(s.persons)} · ${pct(first > 0 ? s.persons / first : 0)}` +
      `${i > 0 ? ` <tspan class="muted">(step ${pct(stepRate)})</tspan>` : ''}</text>`
    );
  });
  return `<div class="scroll"><svg data-chart="funnel" viewBox="0 0 ${W} ${H}" width="100%" style="${readableWidth(W)}" role="img" aria-label="Funnel">${marks.join('')}</svg></div>`;
}

// ---------------------------------------------------------------- attribution (grouped bars + share table)
/** The ground-truth series (from-insights adds it as one more "model"). */
export const isTruthModel = (model: string): boolean => model.startsWith('truth');
const TRUTH_COLOR = '#1d2433';

interface AttributionMatrix {
  models: string[];
  channels: string[];
  val: Map<string, number>;
  /** Per model, the total over channels (the share's denominator). */
  totals: Map<string, number>;
}

function attributionMatrix(rows: readonly AttributionRow[], metric: 'conversions' | 'revenue'): AttributionMatrix | undefined {
  const pick = (r: AttributionRow) => (metric === 'conversions' ? r.conversions : (r.revenue ?? Number.NaN));
  const usable = rows.filter((r) => Number.isFinite(pick(r)));
  if (usable.length === 0) return undefined;
  // The truth last, so the reader's eye ends each group on it.
  const models = [...new Set(usable.map((r) => r.model))].sort((a, b) => Number(isTruthModel(a)) - Number(isTruthModel(b)));
  const byChannel = new Map<string, number>();
  const totals = new Map<string, number>();
  for (const r of usable) {
    byChannel.set(r.channel, (byChannel.get(r.channel) ?? 0) + pick(r));
    totals.set(r.model, (totals.get(r.model) ?? 0) + pick(r));
  }
  const channels = [...byChannel.keys()].sort((a, b) => byChannel.get(b)! - byChannel.get(a)! || a.localeCompare(b));
  const val = new Map(usable.map((r) => [`${r.channel}|${r.model}`, pick(r)]));
  return { models, channels, val, totals };
}

function modelColor(models: readonly string[], m: string): string {
  if (isTruthModel(m)) return TRUTH_COLOR;
  const i = models.filter((x) => !isTruthModel(x)).indexOf(m);
  return MODEL_COLORS[i % MODEL_COLORS.length]!;
}

export function renderAttribution(rows: readonly AttributionRow[], metric: 'conversions' | 'revenue' = 'conversions'): string {
  const chartName = metric === 'conversions' ? 'attribution' : 'attribution-revenue';
  const mx = attributionMatrix(rows, metric);
  if (!mx) return emptyChart(chartName, 'No attribution results.');
  const { models, channels, val } = mx;
  const max = Math.max(1e-9, ...val.values());
  const barW = 10;
  const groupW = models.length * barW + 18;
  const left = 48;
  const W = Math.max(560, left + channels.length * groupW + 20);
  const H = 330;
  const plotH = 220;
  const top = 14;
  const marks: string[] = [];
  channels.forEach((ch, ci) => {
    const gx = left + ci * groupW + 9;
    models.forEach((m, mi) => {
      const v = val.get(`${ch}|${m}`);
      if (v === undefined) return;
      const h = Math.max(v > 0 ? 1 : 0, (plotH * Math.max(0, v)) / max);
      const truth = isTruthModel(m);
      marks.push(
        `<rect class="bar" x="${gx + mi * barW}" y="${r1(top + plotH - h)}" width="${barW - 1}" height="${r1(h)}" ` +
          `fill="${modelColor(models, m)}" data-model="${esc(m)}" data-channel="${esc(ch)}" data-value="${v}"` +
          `${truth ? ' data-truth="true"' : ''}><title>${esc(ch)} · ${esc(m)}: ${fmt(v, 2)}</title></rect>`,
      );
      // The truth also as a rule across the whole group: every model's bar is read against it.
      if (truth) {
        const y = r1(top + plotH - h);
        marks.push(
          `<line class="truth-mark" x1="${gx - 3}" x2="${gx + models.length * barW + 2}" y1="${y}" y2="${y}" ` +
            `stroke="${TRUTH_COLOR}" stroke-width="2" stroke-dasharray="4 2"/>`,
        );
      }
    });
    marks.push(
      `<text class="tick" transform="translate(${gx + (models.length * barW) / 2},${top + plotH + 10}) rotate(35)">${esc(ch)}</text>`,
    );
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = top + plotH - plotH * f;
    return (
      `<line class="grid" x1="${left}" x2="${W - 10}" y1="${r1(y)}" y2="${r1(y)}"/>` +
      `<text class="axis" x="${left - 6}" y="${r1(y + 4)}" text-anchor="end">${fmt(max * f, max < 10 ? 1 : 0)}</text>`
    );
  });
  const legend = models
    .map((m) =>
      isTruthModel(m)
        ? `<span class="key truth"><i style="background:${TRUTH_COLOR}"></i>${esc(m)} (dashed rule)</span>`
        : `<span class="key"><i style="background:${modelColor(models, m)}"></i>${esc(m)}</span>`,
    )
    .join('');
  return (
    `<div class="scroll"><svg data-chart="${chartName}" viewBox="0 0 ${W} ${H}" width="100%" style="${readableWidth(W)}" role="img" ` +
    `aria-label="Attribution by model (${metric})">${ticks.join('')}${marks.join('')}</svg></div><div class="legend">${legend}</div>`
  );
}

/**
 * The same numbers as shares: per model, each channel's part of what the model credited. Models
 * that credit different totals (the truth is scaled to the split conversions) compare directly.
 */
export function renderAttributionTable(rows: readonly AttributionRow[], metric: 'conversions' | 'revenue' = 'conversions'): string {
  const mx = attributionMatrix(rows, metric);
  if (!mx) return '';
  const { channels, val, totals } = mx;
  // The truth first: on a narrow screen the table scrolls sideways and it must stay in view.
  const models = [...mx.models].sort((a, b) => Number(isTruthModel(b)) - Number(isTruthModel(a)));
  const cls = (m: string) => (isTruthModel(m) ? ' class="num truth"' : ' class="num"');
  const head = `<tr><th>channel</th>${models.map((m) => `<th${isTruthModel(m) ? ' class="truth"' : ''}>${esc(m)}</th>`).join('')}</tr>`;
  const body = channels.map((ch) => {
    const cells = models.map((m) => {
      const v = val.get(`${ch}|${m}`);
      const total = totals.get(m) ?? 0;
      const share = v === undefined || total <= 0 ? '–' : pct(v / total);
      return `<td${cls(m)} data-model="${esc(m)}" data-channel="${esc(ch)}">${share}</td>`;
    });
    return `<tr><td>${esc(ch)}</td>${cells.join('')}</tr>`;
  });
  const foot = `<tr><td>total ${metric}</td>${models.map((m) => `<td${cls(m)}>${fmt(totals.get(m) ?? 0, metric === 'revenue' ? 2 : 0)}</td>`).join('')}</tr>`;
  return (
    `<div class="scroll"><table class="shares" data-table="${metric === 'conversions' ? 'attribution' : 'attribution-revenue'}">` +
    `<caption>Share of ${metric} credited to each channel, per model</caption><thead>${head}</thead>` +
    `<tbody>${body.join('')}</tbody><tfoot>${foot}</tfoot></table></div>`
  );
}

// ---------------------------------------------------------------- data quality
export function renderQualityBars(reasons: readonly (ReasonCount & { kind: string })[]): string {
  if (reasons.length === 0) return emptyChart('quality', 'No rejected or failed events.');
  const W = 560;
  const rowH = 26;
  const labelW = 220;
  const H = reasons.length * rowH + 8;
  const max = Math.max(1, ...reasons.map((r) => r.count));
  const marks = reasons.map((r, i) => {
    const y = 4 + i * rowH;
    const w = Math.max(2, ((W - labelW - 60) * r.count) / max);
    return (
      `<text class="label" x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(r.kind)}: ${esc(r.reason)}</text>` +
      `<rect class="bar" x="${labelW}" y="${y}" width="${r1(w)}" height="${rowH - 8}" ` +
      `fill="${r.kind === 'rejected' ? '#e15759' : '#f28e2b'}" data-value="${r.count}">` +
      `<title>${esc(r.reason)}: ${fmt(r.count)}</title></rect>` +
      `<text class="value" x="${r1(labelW + w + 6)}" y="${y + 15}">${fmt(r.count)}</text>`
    );
  });
  return `<div class="scroll"><svg data-chart="quality" viewBox="0 0 ${W} ${H}" width="100%" style="${readableWidth(W)}" role="img" aria-label="Rejected and failed events by reason">${marks.join('')}</svg></div>`;
}

/**
 * Charts scale with their box; below this width their 11-unit text would render under 9 px, so a
 * narrow screen scrolls the chart inside its own box instead (the page itself never scrolls sideways).
 */
function readableWidth(viewBoxWidth: number): string {
  return `min-width:${Math.ceil((viewBoxWidth * 9) / 11)}px`;
}

function emptyChart(name: string, message: string): string {
  return `<svg data-chart="${name}" data-empty="true" viewBox="0 0 400 40" width="100%"><text class="muted" x="8" y="24">${esc(message)}</text></svg>`;
}

function tile(label: string, value: string, hint = ''): string {
  return `<div class="tile"><div class="tv">${value}</div><div class="tl">${esc(label)}</div>${hint ? `<div class="th">${esc(hint)}</div>` : ''}</div>`;
}

// ---------------------------------------------------------------- page
export function renderReport(data: ReportData, options: RenderOptions = {}): string {
  const s = data.summary;
  const cur = s.currency ?? '';
  const dq = data.dataQuality;
  const reasons = [
    ...dq.rejected.filter((r) => r.count > 0).map((r) => ({ ...r, kind: 'rejected' })),
    ...dq.failed.filter((r) => r.count > 0).map((r) => ({ ...r, kind: 'failed' })),
  ];
  const rejectedTotal = dq.rejected.reduce((a, r) => a + r.count, 0);
  const failedTotal = dq.failed.reduce((a, r) => a + r.count, 0);
  const hasRevenue = data.attribution.some((r) => typeof r.revenue === 'number');

  const handoffs = (data.handoffs ?? []).slice(0, 15);
  const journeys = (data.journeys ?? []).slice(0, 12);
  const table = (head: string[], rows: string[][]) =>
    `<div class="scroll"><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
      .map((r) => `<tr>${r.map((c, i) => `<td${i > 0 ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`)
      .join('')}</tbody></table></div>`;

  const identity = dq.identity;
  const title = data.title ?? 'Threadline journey report';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>
:root{--fg:#1d2433;--muted:#6b7385;--bg:#f6f7fb;--card:#fff;--line:#e3e6ee}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:22px 28px 8px}h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:var(--muted)}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(520px,100%),1fr));gap:16px;padding:12px 28px 28px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;min-width:0}
section.wide{grid-column:1/-1}h2{font-size:15px;margin:0 0 10px}
.tiles{display:flex;flex-wrap:wrap;gap:10px}.tile{flex:1 1 120px;background:var(--bg);border-radius:8px;padding:10px 12px}
.tv{font-size:20px;font-weight:650}.tl{color:var(--muted);font-size:12px}.th{color:var(--muted);font-size:11px}
svg text{font-size:11px;fill:var(--fg)}svg .muted,.muted{fill:var(--muted);color:var(--muted)}svg .axis{fill:var(--muted)}
svg .grid{stroke:var(--line)}svg .link{opacity:.42}svg .link:hover{opacity:.8}svg .node{stroke:#fff;stroke-width:.5}
svg .bar:hover{opacity:.8}.legend{display:flex;flex-wrap:wrap;gap:10px;margin-top:6px;font-size:12px}
.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{padding:4px 6px;border-bottom:1px solid var(--line);text-align:left}
td.num,th:not(:first-child){text-align:right}
button{font:inherit;border:1px solid var(--line);background:var(--bg);border-radius:6px;padding:2px 10px;cursor:pointer}
button[aria-pressed=true]{background:#4e79a7;color:#fff}ul.notes{margin:6px 0 0;padding-left:18px;color:var(--muted)}
.scroll{overflow-x:auto;max-width:100%}.note{color:var(--muted);font-size:12.5px;margin:8px 0 0}
.side{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;align-items:start}.chart{min-width:0}
table.shares td{white-space:nowrap}table.shares th{vertical-align:bottom}
table.shares caption{text-align:left;color:var(--muted);font-size:12px;padding-bottom:4px}
table.shares .truth{background:#eef0f5;font-weight:650;border-left:2px solid #1d2433}.key.truth{font-weight:650}
svg .truth-mark{pointer-events:none}
.hidden{display:none}
@media (max-width:1000px){.side{grid-template-columns:minmax(0,1fr)}}
@media (max-width:520px){header{padding:16px 12px 4px}main{padding:8px 8px 16px;gap:10px}section{padding:10px}
.tile{flex:1 1 100px}h2{font-size:14px}}
</style></head>
<body>
<header><h1>${esc(title)}</h1><p>Generated ${esc(data.generatedAt)} · opens offline, no network needed</p></header>
<main>
<section class="wide" id="summary"><div class="tiles">
${tile('events', fmt(s.events))}${tile('persons', fmt(s.persons))}${tile('sessions', fmt(s.sessions))}
${tile('conversions', fmt(s.conversions))}${tile('revenue', `${esc(cur)} ${fmt(s.revenue, 2)}`)}
</div></section>
<section class="wide" id="flow"><h2>Channel paths (flow of touchpoints, step by step)</h2>${renderFlow(data.flows, options.flow, data.summary.conversions)}</section>
<section id="funnel"><h2>Funnel (persons)</h2>${renderFunnel(data.funnel)}</section>
<section id="quality"><h2>Data quality</h2><div class="tiles">
${dq.sent !== undefined ? tile('sent', fmt(dq.sent)) : ''}${tile('accepted', fmt(dq.accepted))}${tile('rejected', fmt(rejectedTotal))}
${tile('duplicates removed', fmt(dq.duplicatesRemoved))}
${tile('late events', fmt(dq.lateEvents), 'arrived > 1 h after they happened')}${tile('failed events', fmt(failedTotal))}
${
  identity
    ? tile('stitching precision', pct(identity.precision), 'pairwise, vs truth') +
      tile(
        'stitching recall',
        pct(identity.recall),
        identity.truePersons !== undefined
          ? `${fmt(identity.predictedPersons ?? 0)} persons found / ${fmt(identity.truePersons)} true`
          : '',
      )
    : ''
}
</div><h2 style="margin-top:12px">Rejected and failed events by reason</h2>${renderQualityBars(reasons)}</section>
<section class="wide" id="attribution"><h2>Attribution, every model side by side
${
  hasRevenue
    ? ' <button type="button" data-metric="conversions" aria-pressed="true">conversions</button>' +
      ' <button type="button" data-metric="revenue" aria-pressed="false">revenue</button>'
    : ''
}</h2>
<div data-view="conversions" class="side"><div class="chart">${renderAttribution(data.attribution, 'conversions')}</div>${renderAttributionTable(data.attribution, 'conversions')}</div>
${
  hasRevenue
    ? `<div data-view="revenue" class="side hidden"><div class="chart">${renderAttribution(data.attribution, 'revenue')}</div>` +
      `${renderAttributionTable(data.attribution, 'revenue')}</div>`
    : ''
}
</section>
${
  journeys.length
    ? `<section id="journeys"><h2>Top journeys</h2>${table(
        ['path', 'journeys', 'conversions', 'conv. rate'],
        journeys.map((j) => [esc(j.path), fmt(j.journeys), fmt(j.conversions), pct(j.journeys ? j.conversions / j.journeys : 0)]),
      )}</section>`
    : ''
}
${
  handoffs.length
    ? `<section id="handoffs"><h2>Channel hand-offs and friction</h2>${table(
        ['hand-off', 'count', 'median gap', 'ends without conversion'],
        handoffs.map((h) => [
          `${esc(h.from)} → ${esc(h.to)}`,
          fmt(h.count),
          h.medianMinutes == null ? '–' : humanMinutes(h.medianMinutes),
          h.friction == null ? '–' : pct(h.friction),
        ]),
      )}</section>`
    : ''
}
${
  data.notes?.length
    ? `<section class="wide" id="notes"><h2>Notes</h2><ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join('')}` +
      '</ul></section>'
    : ''
}
</main>
<script>
document.querySelectorAll('button[data-metric]').forEach(function (b) {
  b.addEventListener('click', function () {
    var m = b.getAttribute('data-metric');
    document.querySelectorAll('button[data-metric]').forEach(function (o) { o.setAttribute('aria-pressed', String(o === b)); });
    document.querySelectorAll('[data-view]').forEach(function (v) { v.classList.toggle('hidden', v.getAttribute('data-view') !== m); });
  });
});
</script>
</body></html>
`;
}

function humanMinutes(m: number): string {
  if (m < 90) return `${Math.round(m)} min`;
  if (m < 48 * 60) return `${(m / 60).toFixed(1)} h`;
  return `${(m / 1440).toFixed(1)} d`;
}
