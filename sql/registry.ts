/**
 * Every view, and the dependency order in which they must be created. Adding a view = one file in
 * views/ plus one line here.
 */
import { LAKE_TABLE_NAMES } from './lake-layout.js';
import { MODEL_NAMES } from './models/registry.js';
import type { ViewDefinition } from './view.js';
import { attribution } from './views/attribution.js';
import { attributionSummary } from './views/attribution_summary.js';
import { channelActivity } from './views/channel_activity.js';
import { channelHandoffs } from './views/channel_handoffs.js';
import { channelPaths } from './views/channel_paths.js';
import { conversions } from './views/conversions.js';
import { escalationPaths } from './views/escalation_paths.js';
import { eventsDeduped } from './views/events_deduped.js';
import { eventsResolved } from './views/events_resolved.js';
import { eventsSessionized } from './views/events_sessionized.js';
import { handoffEvents } from './views/handoff_events.js';
import { identityMap } from './views/identity_map.js';
import { journeyTouchpoints } from './views/journey_touchpoints.js';
import { journeys } from './views/journeys.js';
import { pathFlows } from './views/path_flows.js';
import { personFriction } from './views/person_friction.js';
import { sessions } from './views/sessions.js';
import { taskJourneys } from './views/task_journeys.js';
import { touchpoints } from './views/touchpoints.js';
import { unconvertedJourneys } from './views/unconverted_journeys.js';

const ALL: readonly ViewDefinition[] = [
  eventsDeduped,
  identityMap,
  eventsResolved,
  eventsSessionized,
  sessions,
  touchpoints,
  conversions,
  journeyTouchpoints,
  journeys,
  unconvertedJourneys,
  attribution,
  attributionSummary,
  channelPaths,
  channelActivity,
  handoffEvents,
  taskJourneys,
  channelHandoffs,
  personFriction,
  escalationPaths,
  pathFlows,
];

/** Views sorted so that each comes after everything it reads (stable: registry order among peers). */
export function orderedViews(): ViewDefinition[] {
  const byName = new Map(ALL.map((v) => [v.name, v]));
  const base = new Set<string>([...LAKE_TABLE_NAMES, ...MODEL_NAMES]);
  const done = new Set<string>();
  const out: ViewDefinition[] = [];
  const visit = (v: ViewDefinition, stack: string[]) => {
    if (done.has(v.name)) return;
    if (stack.includes(v.name)) throw new Error(`view dependency cycle: ${[...stack, v.name].join(' -> ')}`);
    for (const dep of v.dependsOn) {
      if (base.has(dep)) continue;
      const dv = byName.get(dep);
      if (!dv) throw new Error(`view ${v.name} depends on unknown ${dep}`);
      visit(dv, [...stack, v.name]);
    }
    done.add(v.name);
    out.push(v);
  };
  for (const v of ALL) visit(v, []);
  return out;
}

export function viewByName(name: string): ViewDefinition {
  const v = ALL.find((x) => x.name === name);
  if (!v) throw new Error(`no view named ${name}`);
  return v;
}

export const VIEW_NAMES = ALL.map((v) => v.name);
