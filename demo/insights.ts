/**
 * What the demo prints and the report draws, read from the views through the QueryEngine: counts,
 * top journeys, a funnel, channel hand-offs, path flows, every attribution model side by side (the
 * rule-based ones from attribution_summary, Markov and Shapley from analytics/attribution over
 * channel_paths) and data quality (failed events, duplicates removed, late events).
 *
 * The SQL here sticks to functions that DuckDB and Trino share (date_diff, count, sum, coalesce), so it
 * would run on either engine.
 */

import { pathTableFromRows, runModels } from '../domain/index.js';
import type { QueryEngine } from '../query/index.js';
import { ORDER_COMPLETED } from '../schemas/index.js';
import { ATTRIBUTION_MODELS, buildFunnelSql, type FunnelRow } from '../sql/index.js';
import type { AttributionRow, FlowRow, HandoffRow, JourneyRow, ReasonCount } from './report/types.js';

export const DEFAULT_FUNNEL = ['Product Viewed', 'Product Added', ORDER_COMPLETED] as const;
export const LATE_AFTER_SECONDS = 3600;

export interface Insights {
  counts: {
    /** Rows in the events table (duplicates included). */
    rawEvents: number;
    /** One per messageId. */
    events: number;
    persons: number;
    sessions: number;
    conversions: number;
    revenue: number;
    currency?: string;
  };
  topJourneys: JourneyRow[];
  funnel: FunnelRow[];
  handoffs: HandoffRow[];
  flows: FlowRow[];
  attribution: AttributionRow[];
  /** Data-driven models that could not run, and why. */
  attributionNotes: string[];
  quality: {
    duplicatesRemoved: number;
    lateEvents: number;
    /** failed_events grouped: stage 'collector' = rejected at the door, others = failed later. */
    rejected: ReasonCount[];
    failed: ReasonCount[];
  };
}

export interface InsightOptions {
  funnelSteps?: readonly string[];
  funnelWindowSeconds?: number;
  topJourneys?: number;
  /** Markov order (default 1). */
  markovOrder?: number;
  /**
   * Hand-offs INTO these channels are left out of the list (default ['web']): "paid_search -> web" is
   * the rest of the visit an ad brought, not a hand-off between channels.
   */
  handoffsExcludeInto?: readonly string[];
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

export async function collectInsights(engine: QueryEngine, opts: InsightOptions = {}): Promise<Insights> {
  const q = async <T = Record<string, unknown>>(sql: string): Promise<T[]> => (await engine.query<T>(sql)).rows;

  const [raw] = await q(`SELECT count(*) AS n FROM events`);
  const [dedup] = await q(`SELECT count(*) AS n,
      sum(CASE WHEN sent_at IS NOT NULL AND date_diff('second', event_time, sent_at) > ${LATE_AFTER_SECONDS} THEN 1 ELSE 0 END) AS late
    FROM events_deduped`);
  const [persons] = await q(`SELECT count(DISTINCT canonical_person_id) AS n FROM events_resolved`);
  const [sessions] = await q(`SELECT count(*) AS n FROM sessions`);
  const [conv] = await q(`SELECT count(*) AS n, coalesce(sum(revenue), 0) AS revenue, max(currency) AS currency FROM conversions`);

  const paths = await q<{ path: string; total_conversions: number; total_conversion_value: number; total_null: number }>(
    `SELECT path, total_conversions, total_conversion_value, total_null FROM channel_paths`,
  );
  const topJourneys: JourneyRow[] = paths
    .map((p) => ({
      path: p.path,
      journeys: num(p.total_conversions) + num(p.total_null),
      conversions: num(p.total_conversions),
      revenue: num(p.total_conversion_value),
    }))
    .sort((a, b) => b.journeys - a.journeys || b.conversions - a.conversions || a.path.localeCompare(b.path))
    .slice(0, opts.topJourneys ?? 10);

  const funnel = (
    await q<FunnelRow>(
      buildFunnelSql('duckdb', {
        steps: [...(opts.funnelSteps ?? DEFAULT_FUNNEL)],
        windowSeconds: opts.funnelWindowSeconds ?? 14 * 86400,
        order: 'strict',
      }),
    )
  ).map((r) => ({ ...r, step: num(r.step), persons: num(r.persons) }));

  const excludeInto = opts.handoffsExcludeInto ?? ['web'];
  const handoffs: HandoffRow[] = (
    await q<{
      from_channel: string;
      to_channel: string;
      handoffs: number;
      median_seconds_between: number | null;
      friction_rate: number | null;
    }>(
      `SELECT from_channel, to_channel, handoffs, median_seconds_between, friction_rate FROM channel_handoffs
       ${excludeInto.length ? `WHERE to_channel NOT IN (${excludeInto.map((c) => `'${c.replace(/'/g, "''")}'`).join(', ')})` : ''}
       ORDER BY handoffs DESC, from_channel, to_channel LIMIT 15`,
    )
  ).map((h) => ({
    from: h.from_channel,
    to: h.to_channel,
    count: num(h.handoffs),
    medianMinutes: h.median_seconds_between == null ? null : num(h.median_seconds_between) / 60,
    friction: h.friction_rate == null ? null : num(h.friction_rate),
  }));

  const flows: FlowRow[] = (await q<FlowRow>(`SELECT step, source, target, count FROM path_flows`)).map((f) => ({
    step: num(f.step),
    source: String(f.source),
    target: String(f.target),
    count: num(f.count),
  }));

  // Rule-based models from the views ...
  const summary = await q(`SELECT * FROM attribution_summary`);
  const attribution: AttributionRow[] = [];
  for (const row of summary) {
    for (const m of ATTRIBUTION_MODELS) {
      attribution.push({
        model: m,
        channel: String(row.channel),
        conversions: num(row[`${m}_conversions`]),
        revenue: num(row[`${m}_revenue`]),
      });
    }
  }
  // ... and the data-driven ones over channel_paths
  const attributionNotes: string[] = [];
  if (paths.some((p) => num(p.total_conversions) > 0)) {
    const table = pathTableFromRows(
      paths.map((p) => ({
        path: p.path,
        conversions: num(p.total_conversions),
        value: num(p.total_conversion_value),
        nulls: num(p.total_null),
      })),
    );
    const out = runModels(table, 'all', { order: opts.markovOrder ?? 1 });
    for (const r of out.results) {
      if (!['markov', 'shapley', 'shapley_exact'].includes(r.model)) continue; // heuristics: the views' own
      for (const c of r.channels) attribution.push({ model: r.model, channel: c.channel, conversions: c.conversions, revenue: c.value });
    }
    for (const s of out.skipped) attributionNotes.push(`${s.model} skipped: ${s.reason}`);
  }

  const failedRows = await q<{ stage: string; reason: string; n: number }>(
    `SELECT stage, reason, count(*) AS n FROM failed_events GROUP BY stage, reason ORDER BY n DESC`,
  );
  const rejected = failedRows.filter((r) => r.stage === 'collector').map((r) => ({ reason: r.reason, count: num(r.n) }));
  const failed = failedRows.filter((r) => r.stage !== 'collector').map((r) => ({ reason: `${r.stage}/${r.reason}`, count: num(r.n) }));

  return {
    counts: {
      rawEvents: num(raw?.n),
      events: num(dedup?.n),
      persons: num(persons?.n),
      sessions: num(sessions?.n),
      conversions: num(conv?.n),
      revenue: num(conv?.revenue),
      currency: (conv?.currency as string | null) ?? undefined,
    },
    topJourneys,
    funnel,
    handoffs,
    flows,
    attribution,
    attributionNotes,
    quality: {
      duplicatesRemoved: num(raw?.n) - num(dedup?.n),
      lateEvents: num(dedup?.late),
      rejected,
      failed,
    },
  };
}

/** message_id -> canonical person, for stitching quality against the truth. */
export async function resolvedPersons(engine: QueryEngine): Promise<Map<string, string>> {
  const rows = (
    await engine.query<{ message_id: string; canonical_person_id: string | null }>(
      `SELECT message_id, canonical_person_id FROM events_resolved`,
    )
  ).rows;
  return new Map(rows.filter((r) => r.canonical_person_id).map((r) => [r.message_id, r.canonical_person_id!]));
}
