/**
 * Funnel builder: ordered steps, a conversion window, strict (in order) or any order, counted by
 * canonical persons, over events_resolved. Renders SQL for either engine.
 *
 * order 'strict': a person reaches step k when, after some step-1 event (the entry), they do step 2, then
 *   step 3, ... step k, each strictly after the previous one in the person's event order, all within
 *   windowSeconds of the entry. Other events in between are allowed. Per entry the earliest matching
 *   next event is taken (which leaves the most room for later steps), and the best entry counts.
 *   Event order (the tie rule): by event_time; events at the same millisecond by the funnel position of
 *   the first step they match (so a product view and an order logged in one millisecond are taken in
 *   funnel order, never in the order of their random message ids); then by message_id, which only
 *   can only matter between events whose first matching step is the same. An event matching two steps
 *   ranks by the first of them.
 * order 'any': a person reaches step k when steps 1..k all occur, in any order, within some span of
 *   windowSeconds (the span starts at one of their step events). One event may satisfy two steps that
 *   name the same event.
 * Output: step (1-based), step_name, persons, rate_from_first, rate_from_previous.
 */
import { type Dialect, dbl, dialectFor, inList, lit, plusSeconds } from '../dialect.js';

export interface FunnelStep {
  /** Event name to match (event_name). */
  readonly event: string;
  /** Restrict to one event type (track, page, screen); default any activity type. */
  readonly eventType?: 'track' | 'page' | 'screen';
  /** Label in the output (default: event). */
  readonly label?: string;
}

export interface FunnelSpec {
  readonly steps: readonly (string | FunnelStep)[];
  /** Conversion window from the entry event, in seconds. */
  readonly windowSeconds: number;
  readonly order?: 'strict' | 'any';
  /** Only events at or after this time ('YYYY-MM-DD' or 'YYYY-MM-DD HH:mm:ss[.SSS]', UTC). */
  readonly from?: string;
  /** Only events before this time. */
  readonly to?: string;
}

export interface FunnelRow {
  step: number;
  step_name: string;
  persons: number;
  rate_from_first: number | null;
  rate_from_previous: number | null;
}

function normaliseSteps(steps: FunnelSpec['steps']): FunnelStep[] {
  if (steps.length === 0) throw new RangeError('a funnel needs at least one step');
  return steps.map((s) => (typeof s === 'string' ? { event: s } : s));
}

export function timeBound(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d{1,3})?)?$/.test(value)) {
    throw new RangeError(`time bound must be 'YYYY-MM-DD' or 'YYYY-MM-DD HH:mm:ss[.SSS]' (UTC), got ${value}`);
  }
  return `CAST(${lit(value.length === 10 ? `${value} 00:00:00.000` : value)} AS TIMESTAMP)`;
}

export function buildFunnelSql(dialect: Dialect, spec: FunnelSpec): string {
  dialectFor(dialect); // validates the name; the funnel SQL itself is portable
  const steps = normaliseSteps(spec.steps);
  if (!(spec.windowSeconds > 0)) throw new RangeError('windowSeconds must be positive');
  const order = spec.order ?? 'strict';
  const cond = (s: FunnelStep) => `(event_name = ${lit(s.event)}${s.eventType ? ` AND event_type = ${lit(s.eventType)}` : ''})`;
  const stepRank = `CASE ${steps.map((st, i) => `WHEN ${cond(st)} THEN ${i + 1}`).join(' ')} END`;
  const flags = steps.map((s, i) => `CASE WHEN ${cond(s)} THEN 1 ELSE 0 END AS is_s${i + 1}`).join(',\n    ');
  const bounds = [
    spec.from ? `AND event_time >= ${timeBound(spec.from)}` : '',
    spec.to ? `AND event_time < ${timeBound(spec.to)}` : '',
  ].join(' ');
  const base = `step_events AS (
  SELECT canonical_person_id AS person_id, message_id, event_time,
    row_number() OVER (PARTITION BY canonical_person_id ORDER BY event_time, ${stepRank}, message_id) AS seq,
    ${flags}
  FROM events_resolved
  WHERE event_type IN ${inList(['track', 'page', 'screen'])} AND canonical_person_id IS NOT NULL AND event_time IS NOT NULL
    AND (${steps.map(cond).join(' OR ')}) ${bounds}
)`;
  const ctes = [base];
  const counts: string[] = [];
  const label = (i: number) => lit(steps[i]!.label ?? steps[i]!.event);
  if (order === 'strict') {
    ctes.push(`f1 AS (
  SELECT person_id, seq AS seq1, event_time AS start_time, seq AS seq_cur FROM step_events WHERE is_s1 = 1
)`);
    for (let k = 2; k <= steps.length; k++) {
      ctes.push(`f${k} AS (
  SELECT f.person_id, f.seq1, f.start_time, min(e.seq) AS seq_cur
  FROM f${k - 1} f
  JOIN step_events e ON e.person_id = f.person_id AND e.is_s${k} = 1 AND e.seq > f.seq_cur
    AND e.event_time <= ${plusSeconds('f.start_time', spec.windowSeconds)}
  GROUP BY f.person_id, f.seq1, f.start_time
)`);
    }
    steps.forEach((_, i) => {
      counts.push(`SELECT ${i + 1} AS step, ${label(i)} AS step_name, count(DISTINCT person_id) AS persons FROM f${i + 1}`);
    });
  } else if (order === 'any') {
    const hits = steps.map((_, i) => `max(e.is_s${i + 1}) AS h${i + 1}`).join(', ');
    const reachedCase = steps
      .map((_, i) => i)
      .reverse()
      .map(
        (i) =>
          `WHEN ${steps
            .slice(0, i + 1)
            .map((__, j) => `h${j + 1} = 1`)
            .join(' AND ')} THEN ${i + 1}`,
      )
      .join(' ');
    ctes.push(`windows AS (
  SELECT a.person_id, a.seq, ${hits}
  FROM step_events a
  JOIN step_events e ON e.person_id = a.person_id AND e.event_time >= a.event_time
    AND e.event_time <= ${plusSeconds('a.event_time', spec.windowSeconds)}
  GROUP BY a.person_id, a.seq
)`);
    ctes.push(`reach AS (
  SELECT person_id, max(CASE ${reachedCase} ELSE 0 END) AS reached FROM windows GROUP BY person_id
)`);
    steps.forEach((_, i) => {
      counts.push(`SELECT ${i + 1} AS step, ${label(i)} AS step_name, count(*) AS persons FROM reach WHERE reached >= ${i + 1}`);
    });
  } else {
    throw new RangeError(`funnel order must be 'strict' or 'any'`);
  }
  ctes.push(`counts AS (
  ${counts.join('\n  UNION ALL\n  ')}
)`);
  return `WITH ${ctes.join(',\n')}
SELECT CAST(step AS INTEGER) AS step, step_name, CAST(persons AS BIGINT) AS persons,
  ${dbl('persons')} / nullif(${dbl('first_value(persons) OVER (ORDER BY step)')}, 0) AS rate_from_first,
  ${dbl('persons')} / nullif(${dbl('lag(persons) OVER (ORDER BY step)')}, 0) AS rate_from_previous
FROM counts
ORDER BY step`;
}

/**
 * The distinct activity event names in the lake, read from the base events table (one column, no
 * dedup or identity views), for checking funnel step names before trusting a 0. The steps' own names
 * sort first, so a lake with more than `limit` names still reports every step that occurs; the rest
 * are candidates for "closest seen".
 */
export function funnelEventNamesSql(steps: FunnelSpec['steps'], limit = 10_000): string {
  if (!Number.isInteger(limit) || limit <= 0) throw new RangeError('limit must be a positive integer');
  const names = [...new Set(normaliseSteps(steps).map((s) => s.event))];
  return `SELECT event_name FROM events
WHERE event_type IN ${inList(['track', 'page', 'screen'])} AND event_name IS NOT NULL
GROUP BY event_name
ORDER BY CASE WHEN event_name IN ${inList(names)} THEN 0 ELSE 1 END, event_name
LIMIT ${limit}`;
}

export interface UnseenStep {
  readonly step: string;
  /** Seen names closest to the step (edit distance, case-insensitive), best first; may be empty. */
  readonly closest: readonly string[];
}

/** The steps whose event name is not among `seen`, each with up to `max` closest seen names. */
export function unseenSteps(steps: FunnelSpec['steps'], seen: Iterable<string>, max = 3): UnseenStep[] {
  const names = [...new Set(seen)];
  const known = new Set(names);
  const out: UnseenStep[] = [];
  for (const s of normaliseSteps(steps)) {
    if (known.has(s.event) || out.some((u) => u.step === s.event)) continue;
    const target = s.event.toLowerCase();
    // Farther than about a third of the name is a different name, not a typo.
    const limit = Math.max(2, Math.floor(target.length / 3));
    const closest = names
      .map((n) => ({ n, d: editDistance(target, n.toLowerCase()) }))
      .filter((x) => x.d <= limit)
      .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : a.n > b.n ? 1 : 0))
      .slice(0, max)
      .map((x) => x.n);
    out.push({ step: s.event, closest });
  }
  return out;
}

/** Levenshtein distance (insert, delete, substitute; one row of the table at a time). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
