/**
 * The one builder of failed_events rows (schemas/lake.ts FAILED_EVENTS_COLUMNS). The caller supplies
 * the deterministic failure_id and the raw payload as it should be stored (already redacted when the
 * stage requires it); the builder cuts raw to MAX_RAW_BYTES on a UTF-8 character boundary and stamps
 * failed_at, its partition date and the lake schema version. Pure.
 */
import {
  eventDateOf,
  type FailedEventRecord,
  type FailureReason,
  LAKE_SCHEMA_VERSION,
  MAX_RAW_BYTES,
  toLakeTimestamp,
} from '../../schemas/index.js';
import { cutUtf8 } from './utf8.js';

/** Where in the pipeline a record failed. */
export type FailureStage = 'collector' | 'processor' | 'firehose';

export interface FailedEventInput {
  failureId: string;
  stage: FailureStage;
  reason: FailureReason;
  detail: string;
  sourceId?: string | null;
  messageId?: string | null;
  raw: string | null;
  /** The raw payload was already cut before it got here. */
  rawTruncated?: boolean;
  failedAt: Date;
}

export function failedEventRecord(f: FailedEventInput): FailedEventRecord {
  const cut = f.raw === null ? null : cutUtf8(f.raw, MAX_RAW_BYTES);
  const failedAt = toLakeTimestamp(f.failedAt);
  return {
    failure_id: f.failureId,
    stage: f.stage,
    reason: f.reason,
    detail: f.detail,
    source_id: f.sourceId ?? null,
    message_id: f.messageId ?? null,
    raw: cut === null ? null : cut.text,
    raw_truncated: (f.rawTruncated ?? false) || (cut?.truncated ?? false),
    failed_at: failedAt,
    schema_version: LAKE_SCHEMA_VERSION,
    event_date: eventDateOf(failedAt),
  };
}
