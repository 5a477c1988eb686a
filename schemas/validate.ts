/**
 * Event-level validation: the one place that decides whether a single event is acceptable.
 *
 * Checks run cheapest and most dangerous first, so that hostile input never reaches the expensive or
 * recursive steps: forbidden keys and nesting depth (iterative walk: no recursion, no stack overflow
 * on 100k-deep arrays) -> size of its JSON -> the zod contract -> identity -> time range.
 *
 * `detail` never carries a value from the event (it is returned to clients, logged and stored in the
 * failed-events table): it names paths, limits and expected types only.
 */
import type * as z from 'zod/mini';
import { eventSchema, type ThreadlineEvent } from './event.js';
import { certainlyValidEvent } from './event-fast-path.js';
import type { FailureReason } from './failure-reasons.js';
import { MAX_EVENT_FUTURE_MS } from './limits.js';

export const DEFAULT_LIMITS = {
  /** Segment's limit: 32 KB for one event's JSON. */
  maxEventBytes: 32 * 1024,
  /** Nesting depth of objects/arrays, the event object itself being depth 1. */
  maxDepth: 32,
  /** Events dated more than this after receivedAt are refused (clock gone wild, not a typo worth keeping). */
  maxFutureMs: MAX_EVENT_FUTURE_MS,
  /** Events dated more than this before receivedAt are refused on live routes; /v1/import passes null. */
  maxAgeMs: 2 * 365 * 24 * 60 * 60 * 1000,
} as const;

/** Keys that could reach Object.prototype through a careless merge downstream. Refused anywhere. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface ValidateOptions {
  /** Collector clock (the request's receivedAt), ms or Date. Default: Date.now(). */
  now?: number | Date;
  /** The batch's sentAt, used for the clock-skew rule when the event has none of its own. */
  batchSentAt?: string;
  maxEventBytes?: number;
  maxDepth?: number;
  maxFutureMs?: number;
  /** null: no lower bound (history import). */
  maxAgeMs?: number | null;
  /** History import: keep every explicit timestamp, even a client library's (no device-clock correction). */
  trustTimestamps?: boolean;
  /**
   * The caller owns `raw` and will not reuse it: a valid event may then be returned as `raw` itself
   * (or a shallow copy), instead of zod's deep copy, and zod is skipped when event-fast-path.ts is
   * sure of the answer. Same verdicts, same details; only the copy (and its key order) differ.
   */
  reuseInput?: boolean;
}

export type ValidationSuccess = {
  ok: true;
  event: ThreadlineEvent;
  /** When it happened, by the sentAt clock-skew rule (ms since epoch). */
  eventTimeMs: number;
};
export type ValidationFailure = { ok: false; reason: FailureReason; detail: string; messageId?: string };
export type ValidationResult = ValidationSuccess | ValidationFailure;

/**
 * Segment's client-side libraries send the DEVICE clock in `timestamp` (with `sentAt`, also device
 * clock) and no originalTimestamp. Their `timestamp` is therefore an originalTimestamp: corrected with
 * sentAt, as Segment does, so a browser or phone whose clock is off by hours still lands at the right
 * time. Server libraries' `timestamp` stays authoritative (imports of history, server clocks).
 */
export const DEVICE_CLOCK_LIBRARIES: readonly string[] = [
  'analytics.js',
  'analytics-ios',
  'analytics-android',
  'analytics-kotlin',
  'analytics-swift',
  'analytics-react-native',
  '@segment/analytics-react-native',
  'analytics-flutter',
];

type TimedEvent = {
  timestamp?: string;
  originalTimestamp?: string;
  sentAt?: string;
  context?: { library?: { name?: unknown } } | undefined;
};

/** The device-clock time of an event whose `timestamp` is a device clock (see DEVICE_CLOCK_LIBRARIES). */
export function deviceClockTimestamp(event: TimedEvent): string | undefined {
  if (event.originalTimestamp !== undefined || event.timestamp === undefined) return undefined;
  const library = event.context?.library?.name;
  return typeof library === 'string' && DEVICE_CLOCK_LIBRARIES.includes(library) ? event.timestamp : undefined;
}

/**
 * Say what a client library meant: its `timestamp` is a device clock, i.e. an originalTimestamp.
 * After this the one rule of deriveEventTime applies to every emitter.
 */
export function withDeviceClockAsOriginal<E extends TimedEvent>(event: E): E {
  const device = deviceClockTimestamp(event);
  if (device === undefined) return event;
  const { timestamp: _deviceClock, ...rest } = event;
  return { ...rest, originalTimestamp: device } as E;
}

/**
 * When the event happened:
 *   explicit `timestamp`                     -> it (a server said so; no correction);
 *   originalTimestamp + sentAt (own or batch) -> receivedAt - (sentAt - originalTimestamp), which
 *                                                cancels a device clock that is off by any amount;
 *   originalTimestamp only                   -> it;
 *   nothing                                  -> receivedAt.
 * Client libraries' `timestamp` has been turned into originalTimestamp before (withDeviceClockAsOriginal).
 */
export function deriveEventTime(event: TimedEvent, receivedAtMs: number, batchSentAt?: string): number {
  const explicit = parseTime(event.timestamp);
  if (explicit !== undefined) return explicit;
  const original = parseTime(event.originalTimestamp);
  const sentAt = parseTime(event.sentAt) ?? parseTime(batchSentAt);
  if (original !== undefined && sentAt !== undefined) return receivedAtMs - (sentAt - original);
  if (original !== undefined) return original;
  return receivedAtMs;
}

function parseTime(s: string | undefined): number | undefined {
  if (typeof s !== 'string') return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A messageId worth echoing back: a short string as the contract allows. */
export function usableMessageId(raw: unknown): string | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const id = (raw as Record<string, unknown>).messageId;
  return typeof id === 'string' && id.length > 0 && id.length <= 100 ? id : undefined;
}

type Frame = { v: unknown; depth: number; parent?: Frame; key?: string | number };

/** Module-level rather than a closure per call: tsx (keepNames) wraps every closure it creates. */
function pathOf(f: Frame): string {
  const keys: Array<string | number> = [];
  for (let at: Frame | undefined = f; at?.parent; at = at.parent) keys.push(at.key!);
  return keys.reduceRight<string>((p, k) => joinPath(p, k), '');
}

/**
 * Walk a JSON value without recursion. Returns the first problem: a forbidden key (with its path)
 * or a nesting deeper than maxDepth.
 */
export function checkStructure(value: unknown, maxDepth: number): { reason: 'forbidden_key' | 'too_deep'; detail: string } | undefined {
  // Paths are built only for the problem reported (from parent links): building one per node was most
  // of the walk's cost on valid events.
  const stack: Frame[] = [{ v: value, depth: 1 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { v, depth } = frame;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return { reason: 'too_deep', detail: `nesting deeper than ${maxDepth} levels at ${pathOf(frame) || '(root)'}` };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1, parent: frame, key: i });
      continue;
    }
    // JSON.parse creates "__proto__" as an own property: Object.keys sees it.
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) return { reason: 'forbidden_key', detail: `forbidden key "${key}" at ${pathOf(frame) || '(root)'}` };
      stack.push({ v: (v as Record<string, unknown>)[key], depth: depth + 1, parent: frame, key });
    }
  }
  return undefined;
}

function safeSegment(key: string): string {
  // Paths may contain user-chosen keys (free-form bags): keep them short and printable.
  // eslint-disable-next-line no-control-regex
  const clean = key.replace(/[\u0000-\u001f\u007f-\u009f"\\]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}

function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const seg = safeSegment(key);
  return /^[A-Za-z_$][\w$]*$/.test(seg) ? (path ? `${path}.${seg}` : seg) : `${path}["${seg}"]`;
}

/** Human detail for zod issues: path, code and the rule, never the value. At most 3 issues. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, 3).map((issue) => {
    const path = issue.path.reduce<string>((p, k) => joinPath(p, typeof k === 'symbol' ? '?' : k), '') || '(root)';
    switch (issue.code) {
      case 'invalid_type':
        return `${path}: expected ${issue.expected}`;
      case 'too_big':
        return `${path}: too big (max ${String(issue.maximum)})`;
      case 'too_small':
        return `${path}: too small (min ${String(issue.minimum)})`;
      case 'invalid_value':
        return `${path}: not one of the allowed values`;
      case 'invalid_format':
        return `${path}: invalid ${issue.format === 'regex' ? 'format' : issue.format}`;
      case 'invalid_union':
        return 'discriminator' in issue && issue.discriminator
          ? `${path}: must be one of track, identify, page, screen, group, alias`
          : `${path}: matches no allowed shape`;
      case 'custom':
        // Our refinements' messages are author-written constants ("not a real date-time").
        return `${path}: ${issue.message}`;
      default:
        return `${path}: ${issue.code}`;
    }
  });
  const more = issues.length > 3 ? ` (+${issues.length - 3} more)` : '';
  return parts.join('; ') + more;
}

function hasIdentity(e: ThreadlineEvent): boolean {
  if (e.userId || e.anonymousId) return true;
  const ids = e.context?.identifiers;
  if (!ids) return false;
  return Boolean(ids.deviceId || ids.email || ids.phone || ids.emailSha256 || ids.loyaltyId || ids.crmId);
}

function failure(messageId: string | undefined, reason: FailureReason, detail: string): ValidationFailure {
  return messageId === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, messageId };
}

/** The size the event_too_large rule measures: UTF-8 bytes of the event's JSON. */
export function eventJsonBytes(raw: unknown): number {
  return Buffer.byteLength(JSON.stringify(raw), 'utf8');
}

/** The event_too_large failure, worded in one place for validateEvent and for callers that measure elsewhere. */
export function eventTooLarge(bytes: number, maxEventBytes: number, messageId: string | undefined): ValidationFailure {
  const detail = `event is ${bytes} bytes, limit ${maxEventBytes}`;
  return messageId === undefined
    ? { ok: false, reason: 'event_too_large', detail }
    : { ok: false, reason: 'event_too_large', detail, messageId };
}

/**
 * Validate one raw event (already JSON-parsed). Pure: no I/O, clock injectable.
 * maxEventBytes: Infinity leaves the size rule to the caller (see eventJsonBytes, eventTooLarge),
 * who must then apply it before any failure other than forbidden_key and too_deep to keep the order.
 */
export function validateEvent(raw: unknown, opts: ValidateOptions = {}): ValidationResult {
  const maxDepth = opts.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  const maxEventBytes = opts.maxEventBytes ?? DEFAULT_LIMITS.maxEventBytes;
  const maxFutureMs = opts.maxFutureMs ?? DEFAULT_LIMITS.maxFutureMs;
  const maxAgeMs = opts.maxAgeMs === undefined ? DEFAULT_LIMITS.maxAgeMs : opts.maxAgeMs;
  const nowMs = opts.now === undefined ? Date.now() : typeof opts.now === 'number' ? opts.now : opts.now.getTime();
  const messageId = usableMessageId(raw);

  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return failure(
      messageId,
      'schema_violation',
      `(root): expected an event object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw}`,
    );
  }
  const structural = checkStructure(raw, maxDepth);
  if (structural) return failure(messageId, structural.reason, structural.detail);

  // Infinity skips the serialisation: a caller that serialises the event anyway measures it there.
  if (maxEventBytes !== Number.POSITIVE_INFINITY) {
    const bytes = eventJsonBytes(raw);
    if (bytes > maxEventBytes) return eventTooLarge(bytes, maxEventBytes, messageId);
  }

  let valid: ThreadlineEvent;
  if (opts.reuseInput && certainlyValidEvent(raw)) valid = raw as ThreadlineEvent;
  else {
    const parsed = eventSchema.safeParse(raw);
    if (!parsed.success) return failure(messageId, 'schema_violation', describeIssues(parsed.error.issues));
    valid = parsed.data;
  }
  // /v1/import loads recorded history: its timestamps are authoritative, whatever library recorded them.
  const event = opts.trustTimestamps ? valid : withDeviceClockAsOriginal(valid);

  if (!hasIdentity(event)) return failure(messageId, 'missing_identity', 'needs userId, anonymousId or a context.identifiers value');

  const eventTimeMs = deriveEventTime(event, nowMs, opts.batchSentAt);
  if (!Number.isFinite(eventTimeMs) || Math.abs(eventTimeMs) > 8.64e15) {
    return failure(messageId, 'timestamp_out_of_range', 'event time is not representable');
  }
  if (eventTimeMs - nowMs > maxFutureMs) {
    return failure(messageId, 'timestamp_out_of_range', `event time more than ${Math.round(maxFutureMs / 3_600_000)} h after receivedAt`);
  }
  if (maxAgeMs !== null && nowMs - eventTimeMs > maxAgeMs) {
    return failure(messageId, 'timestamp_out_of_range', `event time more than ${Math.round(maxAgeMs / 86_400_000)} days before receivedAt`);
  }
  return { ok: true, event, eventTimeMs };
}
