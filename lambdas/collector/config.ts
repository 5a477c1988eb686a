/**
 * Collector limits and settings. Defaults follow Segment's documented limits so that SDK batching
 * (which sizes batches for Segment) never trips them.
 */
import { DEFAULT_LIMITS, EARLIEST_EVENT_DATE, MAX_RAW_BYTES } from '../../schemas/index.js';
import { collectorSettingsSchema, readSettings } from '../shared/function-config.js';

export interface CollectorLimits {
  /** Request body after decompression. 500 KB. */
  maxRequestBytes: number;
  /** One event's JSON. 32 KB. */
  maxEventBytes: number;
  /** Events in one /v1/batch or /v1/import. 2,500. */
  maxBatchEvents: number;
  /** Object/array nesting of one event. */
  maxDepth: number;
  /** Event time this far after receivedAt is refused. 1 day. */
  maxFutureMs: number;
  /** Event time this far before receivedAt is refused on live routes (null: never). 2 years. */
  maxAgeMs: number | null;
  /** Event time this far before receivedAt is refused on /v1/import (null: no lower bound). */
  importMaxAgeMs: number | null;
  /** Events dated before this UTC date (YYYY-MM-DD) are refused on every route: the lake's first partition. */
  earliestEventDate: string;
}

export interface CollectorConfig {
  limits: CollectorLimits;
  /**
   * Browser origins allowed for every source, on top of each source's own list. '*' allows any.
   * When neither this list nor the source's list names any origin, any origin is allowed.
   */
  allowedOrigins: string[];
  /** Retry-After (seconds) on 503. */
  retryAfterSeconds: number;
  /** Raw payload kept in a RejectedEnvelope. 256 KB. */
  maxRawBytes: number;
}

export const DEFAULT_COLLECTOR_CONFIG: CollectorConfig = {
  limits: {
    maxRequestBytes: 500 * 1024,
    maxEventBytes: DEFAULT_LIMITS.maxEventBytes,
    maxBatchEvents: 2_500,
    maxDepth: DEFAULT_LIMITS.maxDepth,
    maxFutureMs: DEFAULT_LIMITS.maxFutureMs,
    maxAgeMs: DEFAULT_LIMITS.maxAgeMs,
    importMaxAgeMs: null,
    earliestEventDate: EARLIEST_EVENT_DATE,
  },
  allowedOrigins: [],
  retryAfterSeconds: 2,
  maxRawBytes: MAX_RAW_BYTES,
};

export type CollectorConfigInput = Partial<Omit<CollectorConfig, 'limits'>> & { limits?: Partial<CollectorLimits> };

export function resolveConfig(input: CollectorConfigInput = {}): CollectorConfig {
  return {
    ...DEFAULT_COLLECTOR_CONFIG,
    ...input,
    limits: { ...DEFAULT_COLLECTOR_CONFIG.limits, ...input.limits },
  };
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * From the Lambda environment:
 *   THREADLINE_CONFIG   JSON settings from the CDK app (lambdas/shared/function-config.ts):
 *                       allowedOrigins, the deployment-wide origin allow-list ('*' for any)
 *   THREADLINE_MAX_EVENT_AGE_DAYS   live routes' lower bound (0 = none); default 730
 *   THREADLINE_MAX_FUTURE_HOURS     upper bound; default 24
 *   THREADLINE_IMPORT_MAX_AGE_DAYS  /v1/import lower bound (0 = none, the default)
 *   THREADLINE_RETRY_AFTER_SECONDS  default 2
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): CollectorConfigInput {
  const limits: Partial<CollectorLimits> = {};
  const age = num(env.THREADLINE_MAX_EVENT_AGE_DAYS);
  if (age !== undefined) limits.maxAgeMs = age === 0 ? null : age * 86_400_000;
  const future = num(env.THREADLINE_MAX_FUTURE_HOURS);
  if (future !== undefined) limits.maxFutureMs = future * 3_600_000;
  const importAge = num(env.THREADLINE_IMPORT_MAX_AGE_DAYS);
  if (importAge !== undefined) limits.importMaxAgeMs = importAge === 0 ? null : importAge * 86_400_000;
  const out: CollectorConfigInput = { limits };
  const settings = readSettings(collectorSettingsSchema, env);
  if (settings) out.allowedOrigins = [...settings.allowedOrigins];
  if (settings?.earliestEventDate) limits.earliestEventDate = settings.earliestEventDate;
  const retryAfter = num(env.THREADLINE_RETRY_AFTER_SECONDS);
  if (retryAfter !== undefined) out.retryAfterSeconds = retryAfter;
  return out;
}
