/** The identity_changes record of a merge. */

import { createHash } from 'node:crypto';
import { eventDateOf, type IdentityChangeRecord, LAKE_SCHEMA_VERSION, toLakeTimestamp } from '../../../schemas/index.js';
import type { MergeMeta } from './item.js';

/** Deterministic id of the merge of `from` into `to`: a replayed merge re-emits the same record. */
export function changeIdOf(from: string, to: string): string {
  return createHash('sha256').update(`${from}>${to}`).digest('hex').slice(0, 32);
}

export function changeRecord(from: string, to: string, meta: MergeMeta): IdentityChangeRecord {
  const changedAt = toLakeTimestamp(meta.changedAt);
  return {
    change_id: changeIdOf(from, to),
    from_person_id: from,
    to_person_id: to,
    reason: meta.reason,
    identifier_type: meta.identifierType,
    message_id: meta.messageId,
    changed_at: changedAt,
    event_time: toLakeTimestamp(meta.eventTime),
    schema_version: LAKE_SCHEMA_VERSION,
    event_date: eventDateOf(changedAt),
  };
}
