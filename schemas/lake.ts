/**
 * The canonical lake records: one column list per table, defined once and rendered into
 *   - the Glue table columns (lib/, via glueColumns),
 *   - the local DuckDB/Parquet table definitions (local/, via duckdbColumns),
 *   - the TypeScript record types the processor emits (via LakeRecord<typeof COLUMNS>).
 *
 * Column types are the small set on which Athena (Hive/Parquet), Firehose's Parquet conversion with
 * the OpenX JSON deserializer, and DuckDB agree. Timestamps travel through Firehose as strings
 * "YYYY-MM-DD HH:mm:ss.SSS" in UTC (java.sql.Timestamp.valueOf form, parsed by both Firehose
 * deserializers by default) and are stored with millisecond precision.
 *
 * Free-form bags (properties, traits) are JSON strings: map<string,string> would lose nested values
 * and a struct would drift with every emitter; json_extract_scalar / json_extract_string read them.
 */
export type LakeColumnType = 'string' | 'bigint' | 'int' | 'double' | 'boolean' | 'timestamp';

export interface LakeColumn {
  readonly name: string;
  readonly type: LakeColumnType;
  /** Documented in the README and carried as the Glue column comment. */
  readonly doc: string;
}

function col<N extends string, T extends LakeColumnType>(name: N, type: T, doc: string) {
  return { name, type, doc } as const;
}

/** Hive-style partition column shared by every table: `event_date=YYYY-MM-DD/`. */
export const PARTITION_COLUMN = { name: 'event_date', type: 'string', doc: 'UTC date of event_time (partition), YYYY-MM-DD' } as const;

export const EVENTS_COLUMNS = [
  col('message_id', 'string', 'Client or collector assigned id; duplicates are removed by it'),
  col('event_type', 'string', 'track | identify | page | screen | group | alias'),
  col('event_name', 'string', 'Track event name, or page/screen name'),
  col('event_time', 'timestamp', 'When it happened: timestamp derived with the sentAt clock-skew rule (UTC, ms)'),
  col('original_timestamp', 'timestamp', 'Device clock at the time of the event, as sent'),
  col('sent_at', 'timestamp', 'Device clock when the batch was sent'),
  col('received_at', 'timestamp', 'Collector clock when the request arrived'),
  col('processed_at', 'timestamp', 'Processor clock when the event was enriched'),
  col('source_id', 'string', 'Source (write key owner) id'),
  col('source_name', 'string', 'Source name'),
  col('anonymous_id', 'string', 'Segment anonymousId'),
  col('user_id', 'string', 'Segment userId'),
  col('person_id', 'string', 'Person id known when the event was processed; re-stitch with identity_changes'),
  col('touchpoint_channel', 'string', 'Where the business met the customer (channels.ts taxonomy)'),
  col('channel_rule', 'string', 'Which rule set touchpoint_channel: explicit | source_default | click_id | utm | referrer | default'),
  col('sending_platform', 'string', "Segment/RudderStack top-level 'channel' (server, web, mobile)"),
  col('touchpoint_location', 'string', 'Store id, call-centre queue...'),
  col('touchpoint_agent', 'string', 'Staff or agent id on assisted channels'),
  col('campaign_name', 'string', 'utm_campaign or context.campaign.name'),
  col('campaign_source', 'string', 'utm_source'),
  col('campaign_medium', 'string', 'utm_medium'),
  col('campaign_term', 'string', 'utm_term'),
  col('campaign_content', 'string', 'utm_content'),
  col('click_id_type', 'string', 'gclid | fbclid | msclkid | ttclid | li_fat_id | dclid | wbraid | gbraid'),
  col('click_id', 'string', 'The click id value'),
  col('page_url', 'string', 'Page URL (query string kept)'),
  col('page_path', 'string', 'Page path'),
  col('page_title', 'string', 'Page title'),
  col('referrer', 'string', 'Referrer URL'),
  col('referrer_host', 'string', 'Referrer host name'),
  col('device_id', 'string', 'Device id (context.device.id or context.identifiers.deviceId)'),
  col('device_type', 'string', 'desktop | mobile | tablet | pos | other, from user agent or context'),
  col('os_name', 'string', 'Operating system'),
  col('os_version', 'string', 'Operating system version'),
  col('browser_name', 'string', 'Browser'),
  col('browser_version', 'string', 'Browser version'),
  col('app_name', 'string', 'Mobile app name'),
  col('app_version', 'string', 'Mobile app version'),
  col('library_name', 'string', 'Emitting SDK'),
  col('library_version', 'string', 'Emitting SDK version'),
  col('ip_truncated', 'string', 'Client IP with the host part zeroed (IPv4 /24, IPv6 /48)'),
  col('email_hash', 'string', 'HMAC-SHA256 of the normalised e-mail (per-deployment key)'),
  col('phone_hash', 'string', 'HMAC-SHA256 of the E.164 phone (per-deployment key)'),
  col('loyalty_id', 'string', 'Loyalty card / programme id'),
  col('crm_id', 'string', 'CRM id'),
  col('group_id', 'string', 'Group (account) id for group calls'),
  col('previous_id', 'string', 'Alias previousId'),
  col('order_id', 'string', "Conversion order id ('Order Completed')"),
  col('revenue', 'double', 'Conversion revenue'),
  col('currency', 'string', 'ISO-4217 currency of revenue'),
  col('consent', 'string', 'JSON of context.consent.categoryPreferences'),
  col('identifiers_stripped', 'boolean', 'True when the consent policy removed identifiers'),
  col('properties', 'string', 'JSON of properties (track/page/screen)'),
  col('traits', 'string', 'JSON of traits (identify/group), PII keys removed'),
  col('schema_version', 'int', 'Lake record version'),
] as const;

export const IDENTITY_CHANGES_COLUMNS = [
  col('change_id', 'string', 'Deterministic id of the merge (from, to): replays produce the same id'),
  col('from_person_id', 'string', 'Person merged away'),
  col('to_person_id', 'string', 'Person it now belongs to (may itself be merged later: follow the chain)'),
  col('reason', 'string', 'identify | alias | event | backfill'),
  col('identifier_type', 'string', 'Identifier type whose link caused the merge'),
  col('message_id', 'string', 'Event that caused the merge'),
  col('changed_at', 'timestamp', 'Processor clock when the merge was made'),
  col('event_time', 'timestamp', 'event_time of the causing event'),
  col('schema_version', 'int', 'Lake record version'),
] as const;

export const FAILED_EVENTS_COLUMNS = [
  col('failure_id', 'string', 'Deterministic id of the failure'),
  col('stage', 'string', 'collector | processor'),
  col('reason', 'string', 'Machine-readable reason (schemas/failure-reasons.ts)'),
  col('detail', 'string', 'Human-readable detail, free of personal data'),
  col('source_id', 'string', 'Source id when known'),
  col('message_id', 'string', 'Event messageId when known'),
  col('raw', 'string', 'Raw payload (base64 when not UTF-8), truncated to 256 KB'),
  col('raw_truncated', 'boolean', 'True when raw was cut'),
  col('failed_at', 'timestamp', 'When the failure was recorded (also the partition date)'),
  col('schema_version', 'int', 'Lake record version'),
] as const;

export const LAKE_SCHEMA_VERSION = 1;

export const LAKE_TABLES = {
  events: EVENTS_COLUMNS,
  identity_changes: IDENTITY_CHANGES_COLUMNS,
  failed_events: FAILED_EVENTS_COLUMNS,
} as const;

export type LakeTableName = keyof typeof LAKE_TABLES;

type TsOf<T extends LakeColumnType> = T extends 'string' | 'timestamp' ? string : T extends 'boolean' ? boolean : number;

/** The JSON record type of a table, as written to Firehose (timestamps as lake timestamp strings). */
export type LakeRecord<C extends readonly LakeColumn[]> = {
  [K in C[number] as K['name']]: TsOf<K['type']> | null;
} & { event_date: string };

export type EventRecord = LakeRecord<typeof EVENTS_COLUMNS>;
export type IdentityChangeRecord = LakeRecord<typeof IDENTITY_CHANGES_COLUMNS>;
export type FailedEventRecord = LakeRecord<typeof FAILED_EVENTS_COLUMNS>;

const GLUE_TYPES: Record<LakeColumnType, string> = {
  string: 'string',
  bigint: 'bigint',
  int: 'int',
  double: 'double',
  boolean: 'boolean',
  timestamp: 'timestamp',
};

const DUCKDB_TYPES: Record<LakeColumnType, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP_MS',
};

/** The DuckDB type a lake column is written and read as. */
export function duckdbType(type: LakeColumnType): string {
  return DUCKDB_TYPES[type];
}

/** Glue column list of any table defined with lake columns. */
export function glueColumnsOf(columns: readonly LakeColumn[]): { name: string; type: string; comment: string }[] {
  return columns.map((c) => ({ name: c.name, type: GLUE_TYPES[c.type], comment: c.doc }));
}

/** DuckDB column list of any table defined with lake columns. */
export function duckdbColumnsOf(columns: readonly LakeColumn[]): { name: string; type: string }[] {
  return columns.map((c) => ({ name: c.name, type: DUCKDB_TYPES[c.type] }));
}

export function glueColumns(table: LakeTableName): { name: string; type: string; comment: string }[] {
  return glueColumnsOf(LAKE_TABLES[table]);
}

export function duckdbColumns(table: LakeTableName): { name: string; type: string }[] {
  return duckdbColumnsOf(LAKE_TABLES[table]);
}

/** "YYYY-MM-DD HH:mm:ss.SSS" in UTC: the lake's timestamp wire form. */
export function toLakeTimestamp(d: Date | string | number): string {
  const date = d instanceof Date ? d : new Date(d);
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Partition value for a lake timestamp string or Date. */
export function eventDateOf(d: Date | string | number): string {
  if (typeof d === 'string' && /^\d{4}-\d{2}-\d{2}/.test(d)) return d.slice(0, 10);
  return new Date(d).toISOString().slice(0, 10);
}
