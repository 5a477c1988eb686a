/**
 * Builders for lake records in the wire form the processor sends to Firehose (JSON lines with lake
 * timestamp strings), and a helper that lands them as Parquet through the real lake writer.
 */

import { createLakeWriter } from '../../local/lake-writer.js';
import {
  EVENTS_COLUMNS,
  type EventRecord,
  eventDateOf,
  IDENTITY_CHANGES_COLUMNS,
  type IdentityChangeRecord,
  LAKE_SCHEMA_VERSION,
} from '../../schemas/lake.js';

export const STREAMS = {
  'threadline-events': 'events',
  'threadline-identity-changes': 'identity_changes',
  'threadline-failed-events': 'failed_events',
} as const;

export interface EventInput {
  id: string;
  person: string;
  time: string; // 'YYYY-MM-DD HH:mm:ss.SSS'
  type?: 'track' | 'page' | 'screen' | 'identify';
  name?: string;
  channel?: string | null;
  campaign?: string | null;
  orderId?: string | null;
  revenue?: number | null;
  receivedAt?: string;
  pagePath?: string | null;
}

export function eventRecord(e: EventInput): EventRecord {
  const base = Object.fromEntries(EVENTS_COLUMNS.map((c) => [c.name, null])) as Record<string, unknown>;
  const received = e.receivedAt ?? e.time;
  Object.assign(base, {
    message_id: e.id,
    event_type: e.type ?? 'page',
    event_name: e.name ?? (e.type === 'track' ? 'Something Happened' : 'Home'),
    event_time: e.time,
    original_timestamp: e.time,
    sent_at: e.time,
    received_at: received,
    processed_at: received,
    source_id: 'src-1',
    source_name: 'Test source',
    anonymous_id: `anon-${e.person}`,
    person_id: e.person,
    touchpoint_channel: e.channel === undefined ? 'web' : e.channel,
    campaign_name: e.campaign ?? null,
    order_id: e.orderId ?? null,
    revenue: e.revenue ?? null,
    currency: e.revenue != null ? 'EUR' : null,
    page_path: e.pagePath ?? null,
    identifiers_stripped: false,
    properties: '{}',
    schema_version: LAKE_SCHEMA_VERSION,
    event_date: eventDateOf(e.time),
  });
  return base as EventRecord;
}

export function identityChange(from: string, to: string, at: string, changeId = `${from}->${to}`): IdentityChangeRecord {
  const base = Object.fromEntries(IDENTITY_CHANGES_COLUMNS.map((c) => [c.name, null])) as Record<string, unknown>;
  Object.assign(base, {
    change_id: changeId,
    from_person_id: from,
    to_person_id: to,
    reason: 'identify',
    identifier_type: 'user_id',
    message_id: `msg-${changeId}`,
    changed_at: at,
    event_time: at,
    schema_version: LAKE_SCHEMA_VERSION,
    event_date: eventDateOf(at),
  });
  return base as IdentityChangeRecord;
}

const line = (o: unknown) => Buffer.from(`${JSON.stringify(o)}\n`);

/** Land records as Parquet through the lake writer (the same path as the local pipeline). */
export async function writeLake(
  rootDir: string,
  data: { events?: EventRecord[]; identityChanges?: IdentityChangeRecord[]; raw?: { stream: keyof typeof STREAMS; lines: string[] } },
): Promise<string[]> {
  const writer = createLakeWriter({ rootDir, streamToTable: STREAMS });
  if (data.events?.length) await writer.write('threadline-events', data.events.map(line));
  if (data.identityChanges?.length) await writer.write('threadline-identity-changes', data.identityChanges.map(line));
  if (data.raw)
    await writer.write(
      data.raw.stream,
      data.raw.lines.map((l) => Buffer.from(l)),
    );
  await writer.close();
  return [...writer.filesWritten];
}

/** Compare floats to 1e-9. */
export function close(a: number | null | undefined, b: number): boolean {
  return a !== null && a !== undefined && Math.abs(a - b) < 1e-9;
}
