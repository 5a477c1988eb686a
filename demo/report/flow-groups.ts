/**
 * What the flow diagram draws: every journey, with small channels and deep steps grouped so the
 * picture stays readable. Pure: rows in, rows out, plus an account of what was grouped.
 *
 * Grouping never drops a journey, so the journeys (and conversions) drawn equal those in the rows:
 *   - steps after `maxSteps`: a journey longer than that enters one "(more touches)" node after its
 *     step maxSteps and leaves it to its outcome. Each such journey has exactly one edge at step
 *     maxSteps going to a channel and exactly one outcome edge further on, so the node's inflow
 *     equals its outflow;
 *   - per step, channels outside the `maxNodesPerStep` largest become one "other channels" node.
 *     A node is grouped as a whole (its in- and out-flow together), and outcomes are never grouped.
 */
import type { FlowRow } from './types.js';

export const CONVERSION = '(conversion)';
export const NO_CONVERSION = '(null)';
export const MORE_TOUCHES = '(more touches)';
export const OTHER_CHANNELS = 'other channels';

export interface FlowGroupOptions {
  /** Steps drawn one by one; later touches are folded into one node. Default 8. */
  maxSteps?: number;
  /** Channels drawn per step; the rest are grouped. Default 8. */
  maxNodesPerStep?: number;
}

/** Channels grouped into OTHER_CHANNELS at one step (the 1-based position of the node). */
export interface GroupedStep {
  step: number;
  channels: string[];
  journeys: number;
}

export interface GroupedFlows {
  rows: FlowRow[];
  grouped: GroupedStep[];
  /** Journeys with more than maxSteps touches (drawn through MORE_TOUCHES). */
  folded: number;
  maxSteps: number;
  /** Journeys and conversions in the input (all journeys end in exactly one outcome edge). */
  journeys: number;
  conversions: number;
}

const isOutcome = (name: string) => name === CONVERSION || name === NO_CONVERSION;

export function groupFlows(input: readonly FlowRow[], options: FlowGroupOptions = {}): GroupedFlows {
  const maxSteps = Math.max(1, options.maxSteps ?? 8);
  const maxNodes = Math.max(1, options.maxNodesPerStep ?? 8);
  const positive = input.filter((r) => r.count > 0);
  const journeys = sum(positive.filter((r) => isOutcome(r.target)));
  const conversions = sum(positive.filter((r) => r.target === CONVERSION));

  // 1. fold the tail
  const folded: FlowRow[] = [];
  let foldedJourneys = 0;
  for (const r of positive) {
    if (r.step < maxSteps) folded.push(r);
    else if (r.step === maxSteps) {
      if (isOutcome(r.target)) folded.push(r);
      else {
        folded.push({ ...r, target: MORE_TOUCHES });
        foldedJourneys += r.count;
      }
    } else if (isOutcome(r.target)) folded.push({ step: maxSteps + 1, source: MORE_TOUCHES, target: r.target, count: r.count });
  }

  // 2. group small channels per step (node position = step of the node)
  const value = new Map<string, { inV: number; outV: number }>();
  const at = (pos: number, name: string) => {
    const k = `${pos}|${name}`;
    let v = value.get(k);
    if (!v) value.set(k, (v = { inV: 0, outV: 0 }));
    return v;
  };
  for (const r of folded) {
    at(r.step, r.source).outV += r.count;
    at(r.step + 1, r.target).inV += r.count;
  }
  const byPos = new Map<number, Array<{ name: string; v: number }>>();
  for (const [k, v] of value) {
    const [pos, name] = splitKey(k);
    if (isOutcome(name) || name === MORE_TOUCHES) continue;
    const list = byPos.get(pos) ?? [];
    list.push({ name, v: Math.max(v.inV, v.outV) });
    byPos.set(pos, list);
  }
  const renamed = new Set<string>();
  const grouped: GroupedStep[] = [];
  for (const [pos, list] of [...byPos].sort((a, b) => a[0] - b[0])) {
    // Grouping a single channel would only rename it.
    if (list.length <= maxNodes) continue;
    list.sort((a, b) => b.v - a.v || a.name.localeCompare(b.name));
    const small = list.slice(maxNodes - 1);
    for (const s of small) renamed.add(`${pos}|${s.name}`);
    grouped.push({ step: pos, channels: small.map((s) => s.name), journeys: small.reduce((t, s) => t + s.v, 0) });
  }
  const name = (pos: number, n: string) => (renamed.has(`${pos}|${n}`) ? OTHER_CHANNELS : n);
  const merged = new Map<string, FlowRow>();
  for (const r of folded) {
    const row = { step: r.step, source: name(r.step, r.source), target: name(r.step + 1, r.target), count: r.count };
    const k = JSON.stringify([row.step, row.source, row.target]);
    const prev = merged.get(k);
    if (prev) prev.count += r.count;
    else merged.set(k, row);
  }
  return { rows: [...merged.values()], grouped, folded: foldedJourneys, maxSteps, journeys, conversions };
}

function sum(rows: readonly FlowRow[]): number {
  return rows.reduce((t, r) => t + r.count, 0);
}

function splitKey(k: string): [number, string] {
  const i = k.indexOf('|');
  return [Number(k.slice(0, i)), k.slice(i + 1)];
}
