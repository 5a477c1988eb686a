/**
 * events_resolved: every deduplicated event with its person's CURRENT canonical id.
 *
 * Columns: all columns of events_deduped, plus
 * | canonical_person_id | VARCHAR | person_id after applying identity_map (multi-hop merges followed);
 *                                   falls back to person_id, then user_id, then anonymous_id when the
 *                                   processor wrote no person_id |
 */
import { c, defineView } from '../view.js';
import { EVENT_COLUMN_NAMES, eventsDeduped } from './events_deduped.js';

export const eventsResolved = defineView({
  name: 'events_resolved',
  description:
    "Every deduplicated event with canonical_person_id: the event's person_id followed through identity_map to the person it belongs to now.",
  dependsOn: ['events_deduped', 'identity_map'],
  columns: [
    ...eventsDeduped.columns,
    c('canonical_person_id', 'VARCHAR', 'Current person id (identity merges applied); falls back to person_id, user_id, anonymous_id'),
  ],
  example: `SELECT canonical_person_id, count(*) AS events, count(DISTINCT person_id) AS ids_merged
FROM events_resolved GROUP BY canonical_person_id HAVING count(DISTINCT person_id) > 1`,
  render: () => {
    const cols = [...EVENT_COLUMN_NAMES, 'event_date'].map((n) => `e.${n}`).join(', ');
    return `SELECT ${cols},
  coalesce(m.canonical_person_id, e.person_id, e.user_id, e.anonymous_id) AS canonical_person_id
FROM events_deduped e
LEFT JOIN identity_map m ON m.from_person_id = e.person_id`;
  },
});
