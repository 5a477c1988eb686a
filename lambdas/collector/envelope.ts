/**
 * Building what goes on the stream: CollectedEnvelope for accepted events (enrichment stamps) and
 * RejectedEnvelope for refused ones (raw payload + typed reason). Pure functions.
 */

import type { FailureReason, ThreadlineEvent, validateEvent } from '../../schemas/index.js';
import { type CollectedEnvelope, ENVELOPE_VERSION, type RejectedEnvelope, type SourceRef } from '../../schemas/index.js';
import { cutUtf8 } from '../shared/utf8.js';
import type { SourceConfig } from './sources/types.js';

export function sourceRef(source: SourceConfig): SourceRef {
  const ref: SourceRef = { id: source.id, name: source.name };
  if (source.defaultChannel) ref.defaultChannel = source.defaultChannel;
  return ref;
}

export interface StampInput {
  receivedAt: string;
  eventTimeMs: number;
  source: SourceConfig;
  clientIp?: string;
  batchSentAt?: string;
  newId: () => string;
}

/**
 * The collector's stamps: receivedAt (collector clock; a client value is overwritten), timestamp
 * (derived, see deriveEventTime), messageId (assigned when missing), sentAt (the batch's when the
 * event has none, so that the lake's sent_at is filled for SDKs that only send it per batch).
 */
export function stampEvent(event: ThreadlineEvent, s: StampInput): CollectedEnvelope {
  const stamped = {
    ...event,
    messageId: event.messageId ?? s.newId(),
    timestamp: new Date(s.eventTimeMs).toISOString(),
    receivedAt: s.receivedAt,
  } as CollectedEnvelope['event'];
  if (stamped.sentAt === undefined && s.batchSentAt !== undefined) stamped.sentAt = s.batchSentAt;
  const env: CollectedEnvelope = {
    v: ENVELOPE_VERSION,
    kind: 'event',
    source: sourceRef(s.source),
    receivedAt: s.receivedAt,
    event: stamped,
  };
  if (s.clientIp) env.clientIp = s.clientIp;
  return env;
}

type Validation = ReturnType<typeof validateEvent>;

/**
 * Refuse an otherwise valid event dated before the earliest accepted date (schemas/limits.ts, the first
 * day of the lake's partition projection): written, it would sit in a partition Athena never reads. The
 * upper bound is validateEvent's maxFutureMs, which the projection's end is derived from.
 */
export function withinEventTimeRange(result: Validation, earliestDate: string): Validation {
  if (!result.ok || result.eventTimeMs >= Date.parse(`${earliestDate}T00:00:00.000Z`)) return result;
  const detail = `event time before ${earliestDate}, the earliest date the lake accepts`;
  const id = result.event.messageId;
  return id === undefined
    ? { ok: false, reason: 'timestamp_out_of_range', detail }
    : { ok: false, reason: 'timestamp_out_of_range', detail, messageId: id };
}

/**
 * One person's events share a partition key, so a shard sees them in order. Trade-off: an anonymous
 * visitor who identifies switches from anonymousId to userId, so events before and after the switch
 * may sit on different shards and be read out of order relative to each other; the processor orders
 * by event time and identity stitching is order-tolerant. Events with neither id (only
 * context.identifiers) are spread by messageId.
 */
export function partitionKeyOf(event: { userId?: string; anonymousId?: string; messageId: string }): string {
  return event.userId ?? event.anonymousId ?? event.messageId;
}

/** JSON of a value that may be too deep for JSON.stringify's recursion: deeper levels become null. */
export function safeStringify(value: unknown): { text: string; lossy: boolean } {
  try {
    return { text: JSON.stringify(value) ?? 'null', lossy: false };
  } catch {
    return { text: JSON.stringify(cutDepth(value, 64)) ?? 'null', lossy: true };
  }
}

function cutDepth(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth <= 0) return null;
  if (Array.isArray(value)) return value.map((v) => cutDepth(v, depth - 1));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    Object.defineProperty(out, k, {
      value: cutDepth((value as Record<string, unknown>)[k], depth - 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

export function rejectedEnvelope(input: {
  source: SourceConfig;
  receivedAt: string;
  reason: FailureReason;
  detail: string;
  messageId?: string;
  raw: unknown;
  maxRawBytes: number;
}): RejectedEnvelope {
  const { text, lossy } = safeStringify(input.raw);
  const cut = cutUtf8(text, input.maxRawBytes);
  const env: RejectedEnvelope = {
    v: ENVELOPE_VERSION,
    kind: 'rejected',
    source: sourceRef(input.source),
    receivedAt: input.receivedAt,
    reason: input.reason,
    detail: input.detail,
    raw: cut.text,
    rawTruncated: cut.truncated || lossy,
  };
  if (input.messageId !== undefined) env.messageId = input.messageId;
  return env;
}

/** The keys stampEvent (and the device-clock rule before it) may add, drop or change at the top level. */
const STAMPED_KEYS = ['messageId', 'timestamp', 'originalTimestamp', 'receivedAt', 'sentAt'] as const;

/** Whether JSON.stringify writes an object member with this value (it leaves these three out). */
function serialised(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
}

/** JSON bytes of `"key":value` in an object, or undefined when JSON.stringify leaves the member out. */
function memberBytes(obj: Record<string, unknown>, key: string): number | undefined {
  if (!Object.hasOwn(obj, key)) return undefined;
  const text = JSON.stringify(obj[key]);
  return text === undefined ? undefined : Buffer.byteLength(JSON.stringify(key), 'utf8') + 1 + Buffer.byteLength(text, 'utf8');
}

/**
 * UTF-8 bytes of JSON.stringify(raw), derived from the bytes of the stamped event that was built from
 * it, so that the size rule costs no second serialisation of every event. An object's JSON size is
 * 2 + its members + (members - 1) commas whatever the key order; raw and stamped differ only in the
 * STAMPED_KEYS members (every other member is the same value, copied by spread), so only those are
 * counted again. `stamped` must come from stampEvent over validateEvent's event for `raw`.
 */
export function rawEventBytes(raw: Record<string, unknown>, stamped: Record<string, unknown>, stampedBytes: number): number {
  let members = 0;
  for (const k of Object.keys(stamped)) if (serialised(stamped[k])) members++;
  let bytes = stampedBytes - Math.max(0, members - 1);
  let rawMembers = members;
  for (const k of STAMPED_KEYS) {
    const s = memberBytes(stamped, k);
    const r = memberBytes(raw, k);
    if (s !== undefined) {
      bytes -= s;
      rawMembers--;
    }
    if (r !== undefined) {
      bytes += r;
      rawMembers++;
    }
  }
  return bytes + Math.max(0, rawMembers - 1);
}
