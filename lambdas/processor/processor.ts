/**
 * The batch pipeline of the processor, independent of how it is invoked (Lambda, local poller,
 * tests): decode -> normalise/enrich -> stitch identities -> deliver to Firehose -> partial batch
 * response.
 *
 * Failure semantics (Kinesis retries from the LOWEST failed sequence number of a shard):
 *   - poison input (bad JSON, contract violation, enrichment bug, consent drop) is NOT a batch item
 *     failure: it becomes a failed_events row and the shard moves on;
 *   - a transient failure (DynamoDB unavailable after SDK retries) stops processing at that record,
 *     so identity operations keep their per-shard order; it and every later record are reported;
 *   - Firehose unavailable (throttling, 5xx, network, call-level refusals) after the delivery loop's
 *     attempt budget: the Kinesis record that produced the undelivered row and every later record are
 *     reported, never dead-lettered: the event source retries them from there, identifiers intact;
 *   - a row Firehose can never take (over its per-record size limit) is the only output failure that
 *     becomes a failed_events row (delivery_failed), for the Kinesis record that produced it.
 * Everything before the first failure is complete, so the retry replays as little as possible; what
 * it replays is idempotent (identity) or deduplicated downstream (message_id, change_id, failure_id).
 * With ReportBatchItemFailures (and BisectBatchOnFunctionError) Lambda checkpoints before the lowest
 * reported sequence number and retries the rest in order, so no later event of the same person
 * overtakes a failed one; throwing instead would bisect the batch, which gains nothing in an outage.
 *
 * Powertools' BatchProcessor is not used: it handles records one by one, while this pipeline must
 * write Firehose in batches of up to 500 and stop at the first transient failure. The response has
 * the same shape ({ batchItemFailures: [{ itemIdentifier }] }).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { type NormalisedEvent, normaliseEvent } from '../../domain/index.js';
import { type EventRecord, MAX_RAW_BYTES } from '../../schemas/index.js';
import type { AppLogger } from '../shared/logger.js';
import { silentLogger } from '../shared/logger.js';
import { cutUtf8 } from '../shared/utf8.js';
import type { ProcessorConfig } from './config.js';
import { decodeRecord, failureRecord } from './decode.js';
import { IdentityStore } from './identity/store.js';
import { type DeliverOptions, deliver, MAX_RECORD_BYTES, type OutRecord, pack, toJsonLine } from './output/firehose.js';

export interface ProcessorDeps {
  dynamo: DynamoDBClient;
  firehose: FirehoseClient;
  config: ProcessorConfig;
  logger?: AppLogger;
  /** Clock (processed_at, changed_at, failed_at). */
  now?: () => Date;
  /** Firehose delivery tuning: retry backoff and attempts (tests shorten them), record size limit. */
  firehoseRetry?: DeliverOptions;
}

export interface ProcessorStats {
  batches: number;
  records: number;
  events: number;
  failed: Record<string, number>;
  consentStripped: number;
  identityChanges: number;
  transientFailures: number;
  deliveryFailures: number;
  firehosePutCalls: number;
  /** HTTP requests to Firehose (equals firehosePutCalls with the single-attempt client). */
  firehoseHttpCalls: number;
}

export interface Processor {
  handle(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse>;
  readonly identity: IdentityStore;
  readonly stats: ProcessorStats;
  readonly config: ProcessorConfig;
}

export function createProcessor(deps: ProcessorDeps): Processor {
  const { config } = deps;
  const log = deps.logger ?? silentLogger;
  const clock = deps.now ?? (() => new Date());
  // Module-lifetime store: its cache survives across invocations of a warm Lambda.
  const identity = new IdentityStore(deps.dynamo, config.identityTable, config.identity, config.cacheSize);
  const stats: ProcessorStats = {
    batches: 0,
    records: 0,
    events: 0,
    failed: {},
    consentStripped: 0,
    identityChanges: 0,
    transientFailures: 0,
    deliveryFailures: 0,
    firehosePutCalls: 0,
    firehoseHttpCalls: 0,
  };

  async function handle(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
    const records = event.Records ?? [];
    stats.batches++;
    stats.records += records.length;
    const now = clock();
    const outputs: OutRecord[][] = records.map(() => []);
    const pending: Array<{ index: number; norm: NormalisedEvent; messageId: string; eventTimeMs: number }> = [];
    const failOut = (i: number, f: ReturnType<typeof failureRecord>) => {
      stats.failed[f.reason as string] = (stats.failed[f.reason as string] ?? 0) + 1;
      outputs[i]!.push({ stream: config.streams.failed, data: toJsonLine(f), origin: i });
    };

    for (const [i, r] of records.entries()) {
      const recordKey = `${r.eventSourceARN}/${r.kinesis.sequenceNumber}`;
      const d = decodeRecord(r.kinesis.data, recordKey, now);
      if (d.kind === 'failed') {
        failOut(i, d.failure);
        continue;
      }
      const messageId = d.event.messageId!;
      let norm: NormalisedEvent;
      try {
        norm = normaliseEvent(d.envelope, d.event, d.eventTimeMs, config, now);
      } catch (err) {
        log.error('enrichment failed', { messageId, error: (err as Error).name });
        failOut(
          i,
          failureRecord({
            recordKey,
            stage: 'processor',
            reason: 'enrichment_failed',
            detail: `${(err as Error).name ?? 'Error'} while enriching (message withheld: it may quote event values)`,
            sourceId: d.envelope.source.id,
            messageId,
            raw: JSON.stringify(d.event),
            failedAt: now,
          }),
        );
        continue;
      }
      if (norm.consent === 'drop') {
        // Counted, never kept: no raw payload for an event the person did not consent to.
        failOut(
          i,
          failureRecord({
            recordKey,
            stage: 'processor',
            reason: 'consent_denied',
            detail: `denied category among ${config.consent.categories.join(',')}`,
            sourceId: d.envelope.source.id,
            messageId,
            raw: null,
            failedAt: now,
          }),
        );
        continue;
      }
      if (norm.consent === 'strip') stats.consentStripped++;
      pending.push({ index: i, norm, messageId, eventTimeMs: d.eventTimeMs });
    }

    // Identity, in record order: one batched read for everything the cache does not know, then
    // per-event decisions. A store failure stops here (the rest is retried by Kinesis, in order).
    let stopAt = records.length;
    try {
      await identity.prefetch(pending.flatMap((p) => identity.nodesOf(p.norm)));
    } catch (err) {
      log.warn('identity prefetch failed; failing the batch for retry', { error: (err as Error).name });
      stopAt = pending[0]?.index ?? records.length;
    }
    for (const p of pending) {
      if (p.index >= stopAt) break;
      try {
        const res = await identity.resolve({
          identifiers: p.norm.identifiers,
          ...(p.norm.alias ? { alias: p.norm.alias } : {}),
          messageId: p.messageId,
          reason: p.norm.record.event_type === 'identify' ? 'identify' : p.norm.record.event_type === 'alias' ? 'alias' : 'event',
          eventTimeMs: p.eventTimeMs,
          nowMs: now.getTime(),
        });
        const rec: EventRecord = { ...p.norm.record, person_id: res.personId };
        outputs[p.index]!.push({ stream: config.streams.events, data: toJsonLine(rec), origin: p.index });
        for (const c of res.changes) outputs[p.index]!.push({ stream: config.streams.identity, data: toJsonLine(c), origin: p.index });
        stats.identityChanges += res.changes.length;
        stats.events++;
      } catch (err) {
        log.warn('identity store failed; retrying from this record', { messageId: p.messageId, error: (err as Error).name });
        stats.transientFailures++;
        stopAt = p.index;
        break;
      }
    }

    const toSend = pack(outputs.slice(0, stopAt).flat(), config.firehosePackBytes);
    const delivery = await deliver(deps.firehose, toSend, deps.firehoseRetry);
    stats.firehosePutCalls += delivery.putCalls;
    stats.firehoseHttpCalls += delivery.httpCalls;
    let firstFailure = stopAt;
    for (const f of delivery.failed) if (f.cause === 'service') firstFailure = Math.min(firstFailure, f.record.origin);
    if (firstFailure < stopAt) {
      const unavailable = delivery.failed.filter((f) => f.cause === 'service');
      stats.deliveryFailures += unavailable.length;
      log.warn('firehose unavailable; failing the batch from the first undelivered record', {
        count: unavailable.length,
        code: unavailable[0]!.code,
      });
    }
    // Rows Firehose refuses for good: one failed_events row per Kinesis record, delivered like any
    // other row. Records at or after the first service failure are retried whole anyway.
    const refused = new Map<number, { stream: string; bytes: number; code: string }>();
    for (const f of delivery.failed) {
      if (f.cause === 'record' && f.record.origin < firstFailure && !refused.has(f.record.origin)) {
        refused.set(f.record.origin, { stream: f.record.stream, bytes: f.record.data.length, code: f.code });
      }
    }
    if (refused.size > 0) {
      const messageIds = new Map(pending.map((p) => [p.index, p.messageId]));
      // The raw record is about as large as the row that was refused: cut it so that the failed_events
      // row always fits (a quarter of the limit leaves room for JSON escaping and the other columns).
      const rawBytes = Math.min(MAX_RAW_BYTES, Math.floor((deps.firehoseRetry?.maxRecordBytes ?? MAX_RECORD_BYTES) / 4));
      const rows: OutRecord[] = [];
      for (const [i, why] of refused) {
        const r = records[i]!;
        const raw = cutUtf8(Buffer.from(r.kinesis.data, 'base64').toString('utf8'), rawBytes);
        const f = failureRecord({
          recordKey: `${r.eventSourceARN}/${r.kinesis.sequenceNumber}`,
          stage: 'processor',
          reason: 'delivery_failed',
          detail: `${why.code}: ${why.stream} row of ${why.bytes} bytes is over the Firehose record limit`,
          messageId: messageIds.get(i) ?? null,
          raw: raw.text,
          rawTruncated: raw.truncated,
          failedAt: now,
        });
        stats.failed.delivery_failed = (stats.failed.delivery_failed ?? 0) + 1;
        rows.push({ stream: config.streams.failed, data: toJsonLine(f), origin: i });
      }
      log.warn('firehose refused rows for good; recorded as failed events', { count: refused.size });
      const second = await deliver(deps.firehose, rows, deps.firehoseRetry);
      stats.firehosePutCalls += second.putCalls;
      stats.firehoseHttpCalls += second.httpCalls;
      stats.deliveryFailures += second.failed.length;
      for (const f of second.failed) firstFailure = Math.min(firstFailure, f.record.origin);
    }
    // Kinesis resumes from the lowest reported sequence number; reporting every later record too
    // keeps the response truthful about what was not completed.
    return {
      batchItemFailures: records.slice(firstFailure).map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
    };
  }

  return { handle, identity, stats, config };
}
