/**
 * The refresh planner's queries: from which partition date on the models must be rebuilt. Three things
 * move the start W earlier:
 *  1. new (or removed) raw event files: their partitions' dates (found by the caller: locally from the
 *     files, on AWS from the scheduled lookback);
 *  2. identity merges since the last refresh: every person id whose canonical person changed is
 *     restamped, so W is the earliest date of an event carrying one of them (the merged-away side; the
 *     surviving person's timeline only changes from there on);
 *  3. sessions in progress at W: a session that started before W and has (or, with a new event at W,
 *     could get) an event within one session timeout of W is rebuilt with everything after it, so W
 *     moves to its start date; repeated until no such session remains.
 * Together they guarantee that the partitions before W are exactly what a full rebuild would produce.
 */
import type { ViewConfig } from '../config.js';
import { minusSeconds } from '../dialect.js';
import { identityMapSelect } from '../views/identity_map.js';
import { beforePartition, dayStart } from './model.js';

/**
 * The earliest event_date of a model event whose person id maps to another canonical person now than
 * it did over `seenChanges` (a relation with identity_changes' columns: the changes the last refresh
 * had seen). One row, column start_date (NULL when no person moved).
 */
export function movedPersonsStartSql(cfg: ViewConfig, seenChanges: string): string {
  return `WITH old_map AS (
${identityMapSelect(cfg, seenChanges)}
),
moved AS (
  SELECT coalesce(n.from_person_id, o.from_person_id) AS person_id
  FROM identity_map n
  FULL OUTER JOIN old_map o ON o.from_person_id = n.from_person_id
  WHERE n.canonical_person_id IS DISTINCT FROM o.canonical_person_id
)
SELECT min(e.event_date) AS start_date
FROM model_events e
WHERE e.person_id IN (SELECT person_id FROM moved)`;
}

/**
 * The earliest start date of a session that began before `from` and ended within one session timeout
 * of `from`'s midnight (or later). One row, column start_date (NULL when none).
 */
export function openSessionsStartSql(cfg: ViewConfig, from: string): string {
  return `SELECT min(event_date) AS start_date
FROM model_sessions
WHERE ${beforePartition(from)} AND session_end >= ${minusSeconds(dayStart(from), cfg.sessionTimeoutMinutes * 60)}`;
}
