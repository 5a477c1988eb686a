/**
 * The collector's core: request in, response out, envelopes to the sink. No AWS, no HTTP server:
 * the API Gateway adapter (handler.ts) and the local server (local/collector-server.ts) both call it.
 *
 * Order of refusals (cheapest first, and never reading more of a hostile body than needed):
 * route -> write key from the header -> size/encoding -> JSON -> write key from the body -> origin ->
 * batch shape and count -> each event on its own.
 *
 * Status codes: 200 when every envelope (accepted and rejected events) is in the stream; 400 when every
 * event of the request was rejected (they are still written to the stream, with their reason); 401,
 * 403, 404, 405, 413, 415 for request-level refusals (nothing written: the client still holds the data
 * and is told why); 503 + Retry-After when the stream or the key store did not take it (the client
 * retries; a duplicate is possible, a loss is not).
 */
import { randomUUID } from 'node:crypto';
import type { EventType, FailureReason, StreamEnvelope } from '../../schemas/index.js';
import {
  checkStructure,
  eventJsonBytes,
  eventTooLarge,
  usableMessageId,
  type ValidationFailure,
  validateEvent,
} from '../../schemas/index.js';
import type { AppLogger } from '../shared/logger.js';
import { writeKeyFromBody, writeKeyFromHeader } from './auth.js';
import { type CollectorConfig, type CollectorConfigInput, resolveConfig } from './config.js';
import { originAllowed, preflightHeaders, responseCorsHeaders } from './cors.js';
import { decodeBody } from './decode.js';
import { partitionKeyOf, rawEventBytes, rejectedEnvelope, stampEvent, withinEventTimeRange } from './envelope.js';
import { type CollectorRequest, type CollectorResponse, errorResponse, json, type RejectedItem } from './http.js';
import { resolveRoute } from './routes.js';
import type { EnvelopeSink, StreamRecord } from './sink.js';
import type { KeyStore, SourceConfig } from './sources/types.js';

/** Counter sink (Powertools Metrics in Lambda); names are stable CloudWatch metric names. */
export interface CollectorMetrics {
  count(name: 'EventsAccepted' | 'EventsRejected' | 'RequestsRefused' | 'StreamWriteFailed' | 'StreamRetries', value: number): void;
}

export interface CollectorDeps {
  keyStore: KeyStore;
  sink: EnvelopeSink;
  config?: CollectorConfigInput;
  /** Collector clock (ms). */
  now?: () => number;
  /** messageId for events that have none. */
  newId?: () => string;
  log?: AppLogger;
  metrics?: CollectorMetrics;
}

export type Collector = (req: CollectorRequest) => Promise<CollectorResponse>;

/** Buffer.from rather than TextEncoder.encode: the same UTF-8 bytes, a third cheaper on Node. */
function streamRecord(env: StreamEnvelope, partitionKey: string): StreamRecord {
  return { partitionKey, data: Buffer.from(JSON.stringify(env), 'utf8') };
}

export function createCollector(deps: CollectorDeps): Collector {
  const config: CollectorConfig = resolveConfig(deps.config);
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  const log = deps.log;
  const metrics = deps.metrics;

  function refuse(
    status: number,
    reason: Parameters<typeof errorResponse>[1],
    message: string,
    cors: Record<string, string> = {},
    extraHeaders: Record<string, string> = {},
  ) {
    metrics?.count('RequestsRefused', 1);
    log?.info('request refused', { status, reason });
    return errorResponse(status, reason, message, {}, { ...cors, ...extraHeaders });
  }

  async function handle(req: CollectorRequest): Promise<CollectorResponse> {
    const origin = req.headers.origin;
    // Refusals made before the source (and so its origin list) is known still carry CORS headers: a
    // browser SDK then sees the real 4xx and stops, instead of a network error it retries for ever.
    // They reveal nothing but the refusal. Only 403 origin_not_allowed goes without.
    const anyOriginCors = responseCorsHeaders(origin);
    const route = resolveRoute(req.method, req.path);
    switch (route.kind) {
      case 'preflight':
        return { statusCode: 204, headers: preflightHeaders(origin), body: '' };
      case 'health':
        return json(200, { ok: true }, responseCorsHeaders(origin));
      case 'sdk_metrics':
        // analytics.js posts its own usage counters to `${apiHost}/m`: acknowledged and dropped, so that
        // pages show no CORS error. They carry no customer data.
        return { statusCode: 204, headers: responseCorsHeaders(origin), body: '' };
      case 'not_found':
        return refuse(404, 'not_found', 'no such route', anyOriginCors);
      case 'method_not_allowed':
        return refuse(405, 'method_not_allowed', 'method not allowed on this route', anyOriginCors, { allow: route.allow });
      default:
        break;
    }

    // 1. Write key from the header first: an unknown key is refused before the body is even decoded.
    const headerKey = writeKeyFromHeader(req.headers.authorization);
    let source: SourceConfig | undefined;
    if (headerKey !== undefined) {
      source = await deps.keyStore.lookup(headerKey);
      if (!source) return refuse(401, 'unauthorized', 'unknown write key', anyOriginCors);
    }

    // 2. Body: base64 (API Gateway), gzip whatever the content-type, size cap, UTF-8, JSON.
    const decoded = decodeBody(req.body, req.isBase64Encoded, req.headers['content-encoding'], config.limits.maxRequestBytes);
    if (!decoded.ok) return refuse(decoded.status, decoded.reason, decoded.message, anyOriginCors);
    const body = decoded.value;

    // 3. Write key from the body (Segment's alternative to Basic auth).
    if (!source) {
      const bodyKey = writeKeyFromBody(body);
      if (bodyKey === undefined)
        return refuse(401, 'unauthorized', 'missing write key (HTTP Basic "KEY:" or "writeKey" in the body)', anyOriginCors);
      source = await deps.keyStore.lookup(bodyKey);
      if (!source) return refuse(401, 'unauthorized', 'unknown write key', anyOriginCors);
    }

    // 4. Browser origin.
    if (!originAllowed(origin, config.allowedOrigins, source.allowedOrigins)) {
      return refuse(403, 'origin_not_allowed', 'origin not allowed for this source');
    }
    const cors = responseCorsHeaders(origin);

    // 5. Shape: the list of raw events and what the batch contributes to each.
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return refuse(400, 'schema_violation', '(root): expected a JSON object', cors);
    }
    const bodyObj = body as Record<string, unknown>;
    let rawEvents: unknown[];
    let batchSentAt: string | undefined;
    let batchContext: Record<string, unknown> | undefined;
    let batchIntegrations: Record<string, unknown> | undefined;
    let forcedType: EventType | undefined;
    if (route.kind === 'batch') {
      const batch = bodyObj.batch;
      if (!Array.isArray(batch)) return refuse(400, 'schema_violation', 'batch: expected an array of events', cors);
      if (batch.length === 0) return refuse(400, 'empty_batch', 'batch holds no events', cors);
      if (batch.length > config.limits.maxBatchEvents) {
        return refuse(413, 'batch_too_large', `batch holds ${batch.length} events, limit ${config.limits.maxBatchEvents}`, cors);
      }
      rawEvents = batch;
      if (typeof bodyObj.sentAt === 'string' && !Number.isNaN(Date.parse(bodyObj.sentAt))) batchSentAt = bodyObj.sentAt;
      // Checked once per request, not once per event it is merged into. A batch-level bag that fails
      // the check is not merged at all (each event is then judged on its own fields).
      batchContext = wellFormed(plainObject(bodyObj.context), config.limits.maxDepth);
      batchIntegrations = wellFormed(plainObject(bodyObj.integrations), config.limits.maxDepth);
    } else {
      rawEvents = [body];
      forcedType = route.type;
    }

    // 6. Each event on its own.
    const receivedAtMs = now();
    const receivedAt = new Date(receivedAtMs).toISOString();
    const isImport = route.kind === 'batch' && route.import;
    const maxAgeMs = isImport ? config.limits.importMaxAgeMs : config.limits.maxAgeMs;
    const records: StreamRecord[] = [];
    const rejected: RejectedItem[] = [];
    const accepted: string[] = [];
    // One options object per request. reuseInput: prepareEvent's copy belongs to this request alone, so
    // validation need not deep-copy it (zod's copy was a fifth of the per-event cost). The size rule is
    // applied here instead (maxEventBytes: Infinity), from the envelope's own bytes: see measured().
    const maxEventBytes = config.limits.maxEventBytes;
    const validateOptions = {
      now: receivedAtMs,
      batchSentAt,
      maxEventBytes: Number.POSITIVE_INFINITY,
      maxDepth: config.limits.maxDepth,
      maxFutureMs: config.limits.maxFutureMs,
      maxAgeMs,
      trustTimestamps: isImport,
      reuseInput: true,
    };
    /** JSON bytes of an envelope around an empty-valued event: the same for every event of the request. */
    let envelopeOverhead: number | undefined;
    const reject = (index: number, raw: unknown, result: ValidationFailure, partitionKey: string) => {
      const item: RejectedItem = { index, reason: result.reason, detail: result.detail };
      if (result.messageId !== undefined) item.messageId = result.messageId;
      rejected.push(item);
      const env = rejectedEnvelope({
        source,
        receivedAt,
        reason: result.reason,
        detail: result.detail,
        messageId: result.messageId,
        raw,
        maxRawBytes: config.maxRawBytes,
      });
      records.push(streamRecord(env, partitionKey));
    };
    for (let index = 0; index < rawEvents.length; index++) {
      const raw = prepareEvent(rawEvents[index], forcedType, batchContext, batchIntegrations);
      const validated = validateEvent(raw, validateOptions);
      if (!validated.ok) {
        // validateEvent measures size after structure and before everything else: same order here.
        const sized = sizeFirst(raw, validated, maxEventBytes);
        reject(index, raw, sized, sized.messageId ?? newId());
        continue;
      }
      const env = stampEvent(validated.event, {
        receivedAt,
        eventTimeMs: validated.eventTimeMs,
        source,
        clientIp: req.sourceIp,
        batchSentAt,
        newId,
      });
      const data = Buffer.from(JSON.stringify(env), 'utf8');
      envelopeOverhead ??= Buffer.byteLength(JSON.stringify({ ...env, event: 0 }), 'utf8') - 1;
      const bytes = rawEventBytes(raw as Record<string, unknown>, env.event, data.length - envelopeOverhead);
      // A refused event takes the id stamped on it as its partition key when it had none: newId is then
      // called once per event, as when it was refused before stamping.
      if (bytes > maxEventBytes) {
        const tooLarge = eventTooLarge(bytes, maxEventBytes, usableMessageId(raw));
        reject(index, raw, tooLarge, tooLarge.messageId ?? env.event.messageId);
        continue;
      }
      const inRange = withinEventTimeRange(validated, config.limits.earliestEventDate);
      if (!inRange.ok) {
        reject(index, raw, inRange, inRange.messageId ?? env.event.messageId);
        continue;
      }
      records.push({ partitionKey: partitionKeyOf(env.event), data });
      accepted.push(env.event.messageId);
    }

    // 7. Into the stream, all or 503.
    const written = await deps.sink.put(records);
    if (!written.ok) {
      metrics?.count('StreamWriteFailed', written.failed);
      log?.warn('stream write failed', {
        sourceId: source.id,
        records: records.length,
        failed: written.failed,
        attempts: written.attempts,
        code: written.lastError,
      });
      return refuse(503, 'service_unavailable', 'events could not be stored; retry later', cors, {
        'retry-after': String(config.retryAfterSeconds),
      });
    }
    metrics?.count('EventsAccepted', accepted.length);
    if (rejected.length > 0) metrics?.count('EventsRejected', rejected.length);
    log?.info('request stored', {
      sourceId: source.id,
      accepted: accepted.length,
      rejected: rejected.length,
      reasons: summarize(rejected),
    });

    if (accepted.length === 0) {
      const first = rejected[0]!;
      const message = rawEvents.length === 1 ? first.detail : `all ${rejected.length} events were rejected`;
      return errorResponse(400, first.reason, message, { rejected }, cors);
    }
    if (route.kind === 'event') return json(200, { success: true, messageId: accepted[0] }, cors);
    return json(200, { success: true, accepted: accepted.length, rejected }, cors);
  }

  return async (req) => {
    try {
      return await handle(req);
    } catch (err) {
      // Key store or sink threw (SSM down, bug): never crash the client's request into a 502.
      const name = err instanceof Error ? err.name : 'Error';
      log?.error('collector error', { error: name });
      const transient = isTransient(err);
      metrics?.count('RequestsRefused', 1);
      return transient
        ? errorResponse(
            503,
            'service_unavailable',
            'temporarily unavailable; retry later',
            {},
            { 'retry-after': String(config.retryAfterSeconds) },
          )
        : errorResponse(500, 'internal_error', 'internal error');
    }
  };
}

/**
 * A failure as validateEvent reports it with the size rule on: too large wins over every failure
 * that validateEvent checks after the size (all but a non-object, forbidden_key and too_deep).
 */
function sizeFirst(raw: unknown, failure: ValidationFailure, maxEventBytes: number): ValidationFailure {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return failure;
  if (failure.reason === 'forbidden_key' || failure.reason === 'too_deep') return failure;
  const bytes = eventJsonBytes(raw);
  return bytes > maxEventBytes ? eventTooLarge(bytes, maxEventBytes, failure.messageId) : failure;
}

function isTransient(err: unknown): boolean {
  // Anything thrown by an AWS call (has $metadata) or by the network is worth a retry by the client.
  return Boolean(err && typeof err === 'object' && ('$metadata' in err || 'code' in err));
}

function plainObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The bag itself when it has no forbidden key and is not too deep, else undefined. */
function wellFormed(bag: Record<string, unknown> | undefined, maxDepth: number): Record<string, unknown> | undefined {
  return bag && !checkStructure(bag, maxDepth) ? bag : undefined;
}

/**
 * The raw event as the contract sees it: the route's type (Segment's /v1/track sets it), the batch's
 * context/integrations (already checked by wellFormed) as defaults under the event's own, no writeKey
 * (keys are never stored), and a null userId/anonymousId read as absent (as Segment does).
 * Copies with defineProperty semantics (object spread), so a "__proto__" key stays an own property
 * that validation refuses rather than a prototype change.
 */
function prepareEvent(
  raw: unknown,
  forcedType: EventType | undefined,
  batchContext: Record<string, unknown> | undefined,
  batchIntegrations: Record<string, unknown> | undefined,
): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const e: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  if (Object.hasOwn(e, 'writeKey')) delete e.writeKey;
  // analytics.js (analytics-next normalize) sends `"userId": null` for every anonymous visitor; Segment
  // reads null as absent, so must we, or each first page view is rejected.
  for (const k of ['userId', 'anonymousId'] as const) if (e[k] === null) delete e[k];
  if (forcedType) e.type = forcedType;
  if (batchContext) {
    const own = plainObject(e.context);
    if (own || e.context === undefined) e.context = { ...batchContext, ...own };
  }
  if (batchIntegrations) {
    const own = plainObject(e.integrations);
    if (own || e.integrations === undefined) e.integrations = { ...batchIntegrations, ...own };
  }
  return e;
}

function summarize(rejected: RejectedItem[]): Partial<Record<FailureReason, number>> {
  const out: Partial<Record<FailureReason, number>> = {};
  for (const r of rejected) out[r.reason] = (out[r.reason] ?? 0) + 1;
  return out;
}
