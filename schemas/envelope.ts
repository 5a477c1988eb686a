/**
 * What travels on the Kinesis stream from the collector to the processor.
 *
 * Two kinds share the stream so that the collector has exactly one durable write path (2xx only after
 * Kinesis accepted everything, rejected events included):
 *   - 'event': an accepted event, with what the collector knows and the client cannot be trusted to say;
 *   - 'rejected': an event the collector refused inside an otherwise accepted request (schema violation,
 *     too large, ...). The processor forwards it to the failed-events output (raw payload kept, with
 *     e-mail and phone values scrubbed), so nothing is dropped silently and it can be replayed after a fix.
 * Request-level refusals (401, 413 for the whole body, bad JSON body) are answered to the client and not
 * written: the client still holds the data and is told why.
 */

import type { TouchpointChannel } from './channels.js';
import type { ThreadlineEvent } from './event.js';
import type { FailureReason } from './failure-reasons.js';

export const ENVELOPE_VERSION = 1;

export interface SourceRef {
  /** Stable id of the source (derived from its configuration, not from the key). */
  id: string;
  /** Human name, e.g. "web", "pos-eu", "call-centre". */
  name: string;
  /** Touchpoint channel used when an event names none and no rule classifies it. */
  defaultChannel?: TouchpointChannel;
}

export interface CollectedEnvelope {
  v: typeof ENVELOPE_VERSION;
  kind: 'event';
  source: SourceRef;
  /** ISO-8601, collector clock. */
  receivedAt: string;
  /** Client IP as seen by API Gateway (or the local adapter). */
  clientIp?: string;
  /**
   * The validated event. The collector has already: set receivedAt, derived `timestamp` with the
   * sentAt clock-skew rule, assigned a messageId where missing.
   */
  event: ThreadlineEvent & { messageId: string; timestamp: string; receivedAt: string };
}

export interface RejectedEnvelope {
  v: typeof ENVELOPE_VERSION;
  kind: 'rejected';
  source: SourceRef;
  receivedAt: string;
  reason: FailureReason;
  /** Detail free of personal data (paths and limits, never values). */
  detail: string;
  /** messageId when the raw event had a usable one. */
  messageId?: string;
  /** The raw event as received (JSON text; base64 when it was not valid UTF-8), cut at 256 KB. */
  raw: string;
  rawTruncated: boolean;
}

export type StreamEnvelope = CollectedEnvelope | RejectedEnvelope;
