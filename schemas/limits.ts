/**
 * Size limits that are part of the contract: producers and every failed-events writer apply them the
 * same way.
 */

/** Raw payload kept with a refused or failed event (RejectedEnvelope.raw, failed_events.raw): 256 KB of UTF-8. */
export const MAX_RAW_BYTES = 256 * 1024;
