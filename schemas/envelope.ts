/**
 * What travels on the Kinesis stream from the collector to the processor: the accepted event, with
 * what the collector knows and the client cannot be trusted to say.
 */
import type { ThreadlineEvent } from './event.js';
import type { TouchpointChannel } from './channels.js';

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
