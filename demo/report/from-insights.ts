/** Insights (read from the views) + what only the sender and the truth know -> the report's plain data. */
import type { Insights } from '../insights.js';
import type { ReportData } from './types.js';

export interface ReportExtras {
  title?: string;
  generatedAt?: string;
  /** Events the client sent (duplicates included) and the collector accepted. */
  sent?: number;
  accepted?: number;
  identity?: ReportData['dataQuality']['identity'];
  /** Truth: expected conversions each channel caused, drawn as one more "model" for comparison. */
  trueIncremental?: Record<string, number>;
  notes?: string[];
}

export function toReportData(ins: Insights, extras: ReportExtras = {}): ReportData {
  const attribution = [...ins.attribution];
  if (extras.trueIncremental) {
    // scale the truth to the observed conversions so that it sits on the same axis as the models
    const total = Object.entries(extras.trueIncremental)
      .filter(([k]) => k !== 'baseline')
      .reduce((s, [, v]) => s + v, 0);
    const converted = ins.attribution.filter((a) => a.model === 'linear').reduce((s, a) => s + a.conversions, 0);
    if (total > 0 && converted > 0) {
      for (const [channel, v] of Object.entries(extras.trueIncremental)) {
        if (channel === 'baseline') continue;
        attribution.push({ model: 'truth (share of caused)', channel, conversions: (v / total) * converted });
      }
    }
  }
  return {
    title: extras.title ?? 'Threadline journey report',
    generatedAt: extras.generatedAt ?? new Date().toISOString(),
    summary: {
      events: ins.counts.events,
      persons: ins.counts.persons,
      sessions: ins.counts.sessions,
      conversions: ins.counts.conversions,
      revenue: ins.counts.revenue,
      ...(ins.counts.currency ? { currency: ins.counts.currency } : {}),
    },
    flows: ins.flows,
    funnel: ins.funnel.map((f) => ({ step: f.step_name, persons: f.persons })),
    attribution,
    handoffs: ins.handoffs,
    journeys: ins.topJourneys,
    dataQuality: {
      ...(extras.sent !== undefined ? { sent: extras.sent } : {}),
      accepted: extras.accepted ?? ins.counts.rawEvents,
      rejected: ins.quality.rejected,
      duplicatesRemoved: ins.quality.duplicatesRemoved,
      lateEvents: ins.quality.lateEvents,
      failed: ins.quality.failed,
      ...(extras.identity ? { identity: extras.identity } : {}),
    },
    notes: [...(extras.notes ?? []), ...ins.attributionNotes],
  };
}
