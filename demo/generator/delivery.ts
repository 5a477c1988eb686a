/** Puts the queued events in arrival order per source and completes the truth's statistics. */

import type { GeneratorState } from './state.js';
import { type Dataset, type DatasetTruth, type GeneratedEvent, SOURCE_NAMES, type SourceName } from './types.js';

export function deliver(state: GeneratorState, uniqueEvents: number): Dataset {
  const { pending, truth } = state;
  pending.sort((a, b) => a.arrival - b.arrival || (a.event.messageId < b.event.messageId ? -1 : 1));
  const sources = Object.fromEntries(SOURCE_NAMES.map((s) => [s, [] as GeneratedEvent[]])) as Record<SourceName, GeneratedEvent[]>;
  for (const p of pending) {
    sources[p.source].push(p.event);
    truth.stats.bySource[p.source]++;
  }
  // a tablet counts as shared once two people have actually used it
  truth.stats.sharedDevices = Object.entries(truth.identifierOwners).filter(([k, o]) => k.startsWith('device_id:') && o.length > 1).length;
  truth.stats.events = pending.length;
  truth.stats.uniqueEvents = uniqueEvents;
  truth.stats.duplicates = truth.duplicateIds.length;
  truth.stats.lateEvents = truth.lateIds.length;
  truth.stats.invalidEvents = truth.invalidIds.length;
  for (const k of Object.keys(truth.trueIncrementalConversions) as (keyof DatasetTruth['trueIncrementalConversions'])[]) {
    truth.trueIncrementalConversions[k] = Math.round(truth.trueIncrementalConversions[k] * 1000) / 1000;
  }
  return { sources, truth };
}

/** Every event of a dataset as NDJSON lines per source (for `threadline send`). */
export function toNdjson(events: readonly GeneratedEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');
}
