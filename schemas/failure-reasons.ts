/**
 * Machine-readable reasons for refused or failed events. Every one of them is returned to clients
 * (collector refusals) and/or written to the failed-events output with the raw payload.
 * Adding a reason is fine; renaming one breaks users' alarms and queries.
 */
export const FAILURE_REASONS = {
  // request level (collector)
  unauthorized: 'missing or unknown write key',
  origin_not_allowed: 'browser origin not in the source allow-list',
  payload_too_large: 'request body over 500 KB after decompression',
  batch_too_large: 'more than 2,500 events in one batch',
  bad_encoding: 'content-encoding could not be decoded (bad gzip) or body is not valid UTF-8',
  bad_json: 'body or record is not valid JSON',
  empty_batch: 'batch holds no events',
  not_found: 'no such route',
  method_not_allowed: 'HTTP method not allowed on this route',
  // event level
  event_too_large: 'event over 32 KB',
  schema_violation: 'event does not match the contract',
  missing_identity: 'neither anonymousId nor userId (nor any identifier) given',
  timestamp_out_of_range: 'event time too far in the past or future',
  too_deep: 'object nesting deeper than allowed',
  forbidden_key: 'a key such as __proto__, constructor or prototype',
  // processor level
  consent_denied: 'dropped by the consent policy',
  enrichment_failed: 'normalisation or enrichment threw',
  delivery_failed: 'downstream output refused the record',
} as const;

export type FailureReason = keyof typeof FAILURE_REASONS;
