/**
 * Kinesis record -> envelope, re-validated against the contract. Anything that cannot become an
 * event is a typed failure carrying the raw record (PII-redacted) for failed_events. Pure.
 */
import { createHash } from 'node:crypto';
import { redactRaw } from '../../domain/index.js';
import type { CollectedEnvelope, FailedEventRecord, FailureReason, RejectedEnvelope, ThreadlineEvent } from '../../schemas/index.js';
import { DEFAULT_LIMITS, validateEvent } from '../../schemas/index.js';
import { type FailedEventInput, failedEventRecord } from '../shared/failed-events.js';

export type Decoded =
  | { kind: 'event'; envelope: CollectedEnvelope; event: ThreadlineEvent; eventTimeMs: number }
  | { kind: 'failed'; failure: FailedEventRecord };

/** A failure seen by the processor, keyed by the Kinesis record it came from. */
export interface FailureInput extends Omit<FailedEventInput, 'failureId' | 'stage'> {
  /** Stable id of the Kinesis record (stream ARN + sequence number): replays give the same failure_id. */
  recordKey: string;
  stage: 'collector' | 'processor';
}

/** A failed_events row for a Kinesis record: failure_id from the record key and reason, raw PII-redacted. */
export function failureRecord(f: FailureInput): FailedEventRecord {
  return failedEventRecord({
    failureId: createHash('sha256').update(`${f.recordKey}|${f.reason}`).digest('hex').slice(0, 32),
    stage: f.stage,
    reason: f.reason,
    detail: f.detail,
    sourceId: f.sourceId,
    messageId: f.messageId,
    raw: f.raw === null ? null : redactRaw(f.raw),
    rawTruncated: f.rawTruncated,
    failedAt: f.failedAt,
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * JSON.stringify(JSON.parse(t)) is at most this many times the UTF-8 bytes of t: a number such as
 * 1e20 (4 bytes) is written out in full (21), an invalid UTF-8 byte becomes U+FFFD (3); everything
 * else keeps or loses length. An event inside a record this much under the size limit cannot be over it.
 */
const MAX_REWRITE_GROWTH = 6;
const SIZE_RULE_NEEDED_ABOVE = Math.floor(DEFAULT_LIMITS.maxEventBytes / MAX_REWRITE_GROWTH);

export function decodeRecord(dataBase64: string, recordKey: string, now: Date): Decoded {
  const bytes = Buffer.from(dataBase64, 'base64');
  const text = bytes.toString('utf8');
  // The raw payload is only stored on failure: the UTF-8 round trip that tells text from binary is
  // checked there, not for every record.
  const rawText = () => (Buffer.from(text, 'utf8').equals(bytes) ? text : bytes.toString('base64'));
  const fail = (reason: FailureReason, detail: string, extra: Partial<FailureInput> = {}): Decoded => ({
    kind: 'failed',
    failure: failureRecord({
      recordKey,
      stage: 'processor',
      reason,
      detail,
      failedAt: now,
      ...extra,
      raw: 'raw' in extra ? (extra.raw ?? null) : rawText(),
    }),
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(rawText() === text ? 'bad_json' : 'bad_encoding', 'Kinesis record is not a JSON envelope');
  }
  if (!isObject(parsed) || parsed.v !== 1 || !isObject(parsed.source) || typeof parsed.source.id !== 'string') {
    return fail('schema_violation', 'not a version-1 stream envelope');
  }
  const sourceId = parsed.source.id;
  if (parsed.kind === 'rejected') {
    const r = parsed as unknown as RejectedEnvelope;
    return {
      kind: 'failed',
      failure: failureRecord({
        recordKey,
        stage: 'collector',
        reason: r.reason,
        detail: String(r.detail ?? ''),
        sourceId,
        messageId: r.messageId ?? null,
        raw: typeof r.raw === 'string' ? r.raw : null,
        rawTruncated: Boolean(r.rawTruncated),
        failedAt: now,
      }),
    };
  }
  if (parsed.kind !== 'event' || typeof parsed.receivedAt !== 'string')
    return fail('schema_violation', 'unknown envelope kind', { sourceId });
  const envelope = parsed as unknown as CollectedEnvelope;
  const receivedMs = Date.parse(envelope.receivedAt);
  // Re-validate: the stream may hold records from an older collector, or replays after a contract fix.
  // No age limit here: a replay days later is still the same event.
  // The collector stamped `timestamp` with the derived event time: it is authoritative here, so no
  // device-clock correction is applied a second time.
  // `parsed` is this call's own: validation may return the event itself instead of zod's deep copy
  // (same verdicts), and skips serialising it for the size rule when the record is too small to break it.
  const v = validateEvent(envelope.event, {
    now: Number.isNaN(receivedMs) ? now : receivedMs,
    maxAgeMs: null,
    trustTimestamps: true,
    reuseInput: true,
    ...(bytes.length <= SIZE_RULE_NEEDED_ABOVE ? { maxEventBytes: Number.POSITIVE_INFINITY } : {}),
  });
  if (!v.ok) {
    return fail(v.reason, v.detail, { sourceId, messageId: v.messageId ?? null, raw: JSON.stringify(envelope.event ?? null) });
  }
  if (!v.event.messageId) return fail('schema_violation', 'event has no messageId (the collector assigns one)', { sourceId });
  return { kind: 'event', envelope, event: v.event, eventTimeMs: v.eventTimeMs };
}
