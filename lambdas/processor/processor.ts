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
 *   - a Firehose record still undelivered after retries fails the Kinesis record that produced it.
 * Everything before the first failure is complete, so the retry replays as little as possible; what
 * it replays is idempotent (identity) or deduplicated downstream (message_id, change_id, failure_id).
 *
 * Powertools' BatchProcessor is not used: it handles records one by one, while this pipeline must
 * write Firehose in batches of up to 500 and stop at the first transient failure. The response has
 * the same shape ({ batchItemFailures: [{ itemIdentifier }] }).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { type NormalisedEvent, normaliseEvent } from '../../domain/index.js';
import type { EventRecord } from '../../schemas/index.js';
import type { AppLogger } from '../shared/logger.js';
import { silentLogger } from '../shared/logger.js';
import type { RetryOptions } from '../shared/retry.js';
import type { ProcessorConfig } from './config.js';
import { decodeRecord, failureRecord } from './decode.js';
import { IdentityStore } from './identity/store.js';
import { deliver, type OutRecord, pack, toJsonLine } from './output/firehose.js';

export interface ProcessorDeps {
  dynamo: DynamoDBClient;
  firehose: FirehoseClient;
  config: ProcessorConfig;
  logger?: AppLogger;
  /** Clock (processed_at, changed_at, failed_at). */
  now?: () => Date;
  /** Firehose partial-failure retry tuning (tests shorten the backoff). */
  firehoseRetry?: RetryOptions;
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
    let firstFailure = stopAt;
    for (const f of delivery.failed) firstFailure = Math.min(firstFailure, f.record.origin);
    if (delivery.failed.length > 0) {
      stats.deliveryFailures += delivery.failed.length;
      log.warn('firehose records undeliverable; failing their batch items', {
        count: delivery.failed.length,
        code: delivery.failed[0]!.code,
      });
    }
    // Kinesis resumes from the lowest reported sequence number; reporting every later record too
    // keeps the response truthful about what was not completed.
    return {
      batchItemFailures: records.slice(firstFailure).map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
    };
  }

  return { handle, identity, stats, config };
}
