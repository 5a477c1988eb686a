/**
 * The deployment configuration: ONE typed place for every knob of the CDK app.
 *
 * Sources, lowest precedence first:
 *   1. the defaults below (stage-dependent where a production stack must differ: deletion protection,
 *      retention of data on teardown);
 *   2. a JSON file named by context `threadline.configFile` (`-c threadline.configFile=deploy/prod.json`);
 *   3. an object under context key `threadline` (cdk.json "context": { "threadline": { ... } });
 *   4. dotted context keys (`-c threadline.stage=prod -c threadline.buffering.intervalSeconds=120`).
 *
 * Everything is validated with zod and EVERY bad value is reported at once (ConfigError), so that a
 * deploy fails at synth time with a readable list rather than half-way through CloudFormation.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import {
  type CollectorSettings,
  collectorSettingsSchema,
  DEFAULT_PROCESSOR_SETTINGS,
  DEFAULT_REFRESH_LOOKBACK_DAYS,
  type ProcessorSettings,
  processorSettingsSchema,
  settingsEnvironment,
} from '../lambdas/index.js';
import { EARLIEST_EVENT_DATE, isIsoDate } from '../schemas/index.js';
import { DEFAULT_VIEW_CONFIG, resolveViewConfig, type ViewConfig } from '../sql/index.js';
import { LANES_FOR_A_FULL_SHARD } from './shard-sizing.js';

const STAGE_RE = /^[a-z][a-z0-9-]{0,19}$/;

/** Enough processor lanes per shard to drain a shard written at its limit (lib/shard-sizing.ts: 4). */
export const DEFAULT_PARALLELIZATION_FACTOR = LANES_FOR_A_FULL_SHARD;

export const configSchema = z
  .strictObject({
    /** Deployment stage; part of resource names and of the SSM key path /threadline/<stage>/sources. */
    stage: z.string().regex(STAGE_RE, 'must be lower-case letters, digits or dashes, start with a letter, <= 20 chars'),
    /**
     * Which stack to build: 'aws' (the full stack) or 'localstack' (only LocalStack Community resource
     * types: function URL instead of the HTTP API, JSON lake without Glue/Athena; lib/localstack-stack.ts).
     */
    profile: z.enum(['aws', 'localstack']),
    /** Production hardening: deletion protection, RETAIN on teardown. Defaults to stage === 'prod'. */
    production: z.boolean(),
    /** Optional e-mail subscribed to the alarm topic. */
    alarmEmail: z.email('must be an e-mail address').optional(),
    /** S3 encryption of the lake: S3-managed keys (SSE-S3) or a customer-managed KMS key. */
    lakeEncryption: z.enum(['s3-managed', 'kms']),
    retention: z.strictObject({
      /** Days events and identity changes stay in the lake (0 = forever). */
      lakeDays: z.number().int().min(0),
      /** Days failed events stay in the lake. */
      failedEventsDays: z.number().int().min(1),
      /** Days Firehose error output (records it could not convert) is kept. */
      errorOutputDays: z.number().int().min(1),
      /** Days Athena query results are kept. */
      athenaResultsDays: z.number().int().min(1),
      /** Kinesis retention in hours (24..8760). */
      streamHours: z.number().int().min(24).max(8760),
      /** CloudWatch Logs retention of the Lambda functions, in days. */
      logDays: z.number().int().min(1),
    }),
    /** Firehose buffering: Parquet conversion needs >= 64 MB; Firehose allows <= 128 MB and 60..900 s with dynamic partitioning. */
    buffering: z.strictObject({
      sizeMb: z.number().int().min(64, 'must be >= 64 (Parquet conversion minimum)').max(128, 'must be <= 128 (Firehose maximum)'),
      intervalSeconds: z
        .number()
        .int()
        .min(60, 'must be >= 60 (zero buffering is not available with dynamic partitioning)')
        .max(900, 'must be <= 900 (Firehose maximum)'),
    }),
    stream: z.strictObject({
      mode: z.enum(['on-demand', 'provisioned']),
      /** Shards when mode is 'provisioned' (1 MB/s, 1000 records/s write each). */
      shardCount: z.number().int().min(1).max(500).optional(),
    }),
    collector: z.strictObject({
      memoryMb: z.number().int().min(128).max(10240),
      timeoutSeconds: z.number().int().min(1).max(29, 'must be <= 29 (API Gateway integration timeout is 30 s)'),
      /** Browser origins allowed by CORS on the HTTP API (a comma list from `-c`). */
      allowedOrigins: collectorSettingsSchema.shape.allowedOrigins,
      /** HTTP API stage throttling (steady requests/s and burst). */
      throttling: z.strictObject({
        rateLimit: z.number().positive(),
        burstLimit: z.number().int().positive(),
      }),
    }),
    processor: z.strictObject({
      memoryMb: z.number().int().min(128).max(10240),
      timeoutSeconds: z.number().int().min(1).max(900),
      batchSize: z.number().int().min(1).max(10000),
      maxBatchingWindowSeconds: z.number().int().min(0).max(300),
      retryAttempts: z.number().int().min(0).max(10000),
      /** Records older than this go to the DLQ instead of being retried (60..604800, or -1 = infinite). */
      maxRecordAgeSeconds: z
        .number()
        .int()
        .refine((n) => n === -1 || (n >= 60 && n <= 604800), {
          message: 'must be -1 (infinite) or between 60 and 604800',
        }),
      /**
       * Batches processed at once per shard (Lambda keeps the order of records with the same partition
       * key, and the collector keys records by userId, else anonymousId). See DEFAULT_PARALLELIZATION_FACTOR.
       */
      parallelizationFactor: z.number().int().min(1).max(10),
    }),
    /** Identity guard rails of the processor (lambdas/shared/function-config.ts). */
    identity: processorSettingsSchema.shape.identity,
    /** Consent policy of the processor: strip | drop | ignore events denying one of `categories`. */
    consent: processorSettingsSchema.shape.consent,
    /** Region assumed for phone numbers without a country code (a UK national number needs GB). */
    defaultPhoneRegion: processorSettingsSchema.shape.defaultPhoneRegion,
    /** The accepted event-time range, one setting for the collector and the lake's partition projection. */
    eventTime: z.strictObject({
      /** Earliest accepted event date (UTC, YYYY-MM-DD): older events are refused with 400 and projection starts here. */
      earliestDate: z.string().refine(isIsoDate, 'must be a real date written YYYY-MM-DD'),
    }),
    /** Replay of the processor's dead-letter queue (threadline replay-dead-letters). */
    deadLetters: z.strictObject({
      /** Hours a dead-lettered batch is guaranteed to stay in the stream: maxRecordAge <= streamHours - this. */
      replayMarginHours: z.number().int().min(1),
    }),
    athena: z.strictObject({
      /** Per-query scan limit of the workgroup, in MB (Athena minimum 10 MB). */
      bytesScannedCutoffMb: z.number().int().min(10),
      /** Glue database name; defaults to threadline_<stage> with dashes as underscores. */
      database: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,254}$/, 'must be lower-case letters, digits, underscores')
        .optional(),
    }),
    /** The scheduled refresh of the journey models' Iceberg tables (lib/models-refresh.ts). */
    models: z.strictObject({
      /** Minutes between scheduled refreshes (EventBridge Scheduler rate). */
      refreshEveryMinutes: z
        .number()
        .int()
        .min(5)
        .max(24 * 60),
      /** Days before today every refresh rebuilds, for events that arrive late. */
      refreshLookbackDays: z.number().int().min(0).max(365),
    }),
    /** View parameters (sql/config.ts ViewConfig: session timeout, lookback, conversion events...). */
    views: z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
      for (const key of Object.keys(v)) {
        if (!(key in DEFAULT_VIEW_CONFIG))
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `unknown view option (known: ${Object.keys(DEFAULT_VIEW_CONFIG).join(', ')})`,
          });
      }
      try {
        resolveViewConfig(v as Partial<ViewConfig>);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  })
  .superRefine((c, ctx) => {
    if (c.stream.mode === 'provisioned' && c.stream.shardCount === undefined) {
      ctx.addIssue({ code: 'custom', path: ['stream', 'shardCount'], message: "is required when stream.mode is 'provisioned'" });
    }
    if (c.stream.mode === 'on-demand' && c.stream.shardCount !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['stream', 'shardCount'], message: "only applies when stream.mode is 'provisioned'" });
    }
    if (c.collector.throttling.burstLimit < c.collector.throttling.rateLimit) {
      ctx.addIssue({ code: 'custom', path: ['collector', 'throttling', 'burstLimit'], message: 'must be >= rateLimit' });
    }
    // A dead-lettered batch is only a pointer (shard + sequence range) into the stream: it must reach the
    // queue while the stream still holds the records, with time left to replay them. An infinite age
    // would let a lagging shard give up on records the stream has already trimmed.
    const replayableAge = (c.retention.streamHours - c.deadLetters.replayMarginHours) * 3600;
    if (c.processor.maxRecordAgeSeconds === -1 || c.processor.maxRecordAgeSeconds > replayableAge) {
      ctx.addIssue({
        code: 'custom',
        path: ['processor', 'maxRecordAgeSeconds'],
        message: `must be <= (retention.streamHours - deadLetters.replayMarginHours) x 3600 (${replayableAge}) so dead letters stay replayable`,
      });
    }
    // A processor invocation that outlives the batching window plus retries starves the shard.
    if (c.processor.maxBatchingWindowSeconds >= c.processor.timeoutSeconds) {
      ctx.addIssue({ code: 'custom', path: ['processor', 'maxBatchingWindowSeconds'], message: 'must be < processor.timeoutSeconds' });
    }
  });

export type ThreadlineConfig = Omit<z.infer<typeof configSchema>, 'views' | 'athena'> & {
  athena: z.infer<typeof configSchema>['athena'] & { database: string };
  /** Complete view configuration (defaults from sql/config.ts filled in). */
  views: ViewConfig;
};
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };
export type ThreadlineConfigInput = DeepPartial<z.input<typeof configSchema>>;

export function defaultConfig(stage = 'dev'): z.input<typeof configSchema> {
  const production = stage === 'prod';
  return {
    stage,
    profile: 'aws',
    production,
    lakeEncryption: 's3-managed',
    retention: {
      lakeDays: 0,
      failedEventsDays: 90,
      errorOutputDays: 30,
      athenaResultsDays: 7,
      streamHours: 24,
      logDays: production ? 90 : 14,
    },
    buffering: { sizeMb: 128, intervalSeconds: 300 },
    stream: { mode: 'on-demand' },
    collector: {
      memoryMb: 512,
      timeoutSeconds: 10,
      allowedOrigins: ['*'],
      throttling: { rateLimit: 2000, burstLimit: 5000 },
    },
    processor: {
      memoryMb: 1024,
      timeoutSeconds: 120,
      batchSize: 500,
      maxBatchingWindowSeconds: 5,
      retryAttempts: 10,
      maxRecordAgeSeconds: 6 * 3600,
      parallelizationFactor: DEFAULT_PARALLELIZATION_FACTOR,
    },
    identity: {
      maxUsers: { ...(DEFAULT_PROCESSOR_SETTINGS.identity.maxUsers as Record<string, number>) },
      mergeWeakOnly: DEFAULT_PROCESSOR_SETTINGS.identity.mergeWeakOnly,
      priority: [...DEFAULT_PROCESSOR_SETTINGS.identity.priority],
    },
    consent: { mode: DEFAULT_PROCESSOR_SETTINGS.consent.mode, categories: [...DEFAULT_PROCESSOR_SETTINGS.consent.categories] },
    defaultPhoneRegion: DEFAULT_PROCESSOR_SETTINGS.defaultPhoneRegion,
    eventTime: { earliestDate: EARLIEST_EVENT_DATE },
    deadLetters: { replayMarginHours: 12 },
    athena: { bytesScannedCutoffMb: 10 * 1024 },
    models: { refreshEveryMinutes: 60, refreshLookbackDays: DEFAULT_REFRESH_LOOKBACK_DAYS },
    views: {},
  };
}

/** What the processor function is configured with: its settings plus the views' conversion events. */
export function processorSettings(c: ThreadlineConfig): ProcessorSettings {
  return {
    identity: c.identity,
    consent: c.consent,
    defaultPhoneRegion: c.defaultPhoneRegion,
    conversionEvents: [...c.views.conversionEvents],
  };
}

export function collectorSettings(c: ThreadlineConfig): CollectorSettings {
  return { allowedOrigins: c.collector.allowedOrigins, earliestEventDate: c.eventTime.earliestDate };
}

/**
 * The ONE way settings reach a function: its settings as THREADLINE_CONFIG, parsed at cold start by
 * the function with the same schema (lambdas/processor/config.ts, lambdas/collector/config.ts).
 */
export function functionSettingsEnvironment(c: ThreadlineConfig, fn: 'processor' | 'collector'): Record<string, string> {
  return settingsEnvironment(fn === 'processor' ? processorSettings(c) : collectorSettings(c));
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid Threadline configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

/** `-c` values arrive as strings: "120" -> 120, "true" -> true, '["a"]' -> ["a"]; anything else stays a string. */
function coerceContextValue(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch {
      return v;
    }
  }
  return v;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function describeValue(input: unknown, path: PropertyKey[]): string {
  let v: unknown = input;
  for (const k of path) v = isPlainObject(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v === undefined ? 'missing' : JSON.stringify(v);
}

/** Validate a (partial) configuration over the stage defaults. Throws ConfigError listing every problem. */
export function resolveConfig(input: ThreadlineConfigInput = {}): ThreadlineConfig {
  const stage = typeof input.stage === 'string' && STAGE_RE.test(input.stage) ? input.stage : 'dev';
  const merged = deepMerge(defaultConfig(stage) as Record<string, unknown>, input as Record<string, unknown>);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const path = i.path.map(String).join('.') || '(root)';
      return `${path}: ${i.message} (got ${describeValue(merged, i.path)})`;
    });
    throw new ConfigError(problems);
  }
  const c = parsed.data;
  const config: ThreadlineConfig = {
    ...c,
    athena: { ...c.athena, database: c.athena.database ?? `threadline_${c.stage.replace(/-/g, '_')}` },
    views: resolveViewConfig(c.views as Partial<ViewConfig>),
  };
  const problems = functionSettingsProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * Lambda allows 4 KB for ALL environment variables of a function; the settings get at most this much
 * so that resource names and the Powertools variables still fit.
 */
export const MAX_SETTINGS_BYTES = 3 * 1024;

/**
 * What each function will parse, checked with the function's own schema (e.g. an empty conversion
 * event name passes the views' checks but not the processor's), and its size in the environment.
 */
function functionSettingsProblems(c: ThreadlineConfig): string[] {
  const problems: string[] = [];
  const check = (fn: 'processor' | 'collector', schema: z.ZodType, settings: unknown) => {
    const parsed = schema.safeParse(settings);
    if (!parsed.success) {
      for (const i of parsed.error.issues) problems.push(`${fn} settings ${i.path.map(String).join('.')}: ${i.message}`);
    }
    const bytes = Buffer.byteLength(JSON.stringify(settings), 'utf8');
    if (bytes > MAX_SETTINGS_BYTES) {
      problems.push(
        `${fn} settings: ${bytes} bytes of THREADLINE_CONFIG, more than the ${MAX_SETTINGS_BYTES} that fit in a function's environment`,
      );
    }
  };
  check('processor', processorSettingsSchema, processorSettings(c));
  check('collector', collectorSettingsSchema, collectorSettings(c));
  return problems;
}

/** Context keys that steer the app itself rather than the stack (see bin/threadline.ts). */
const APP_SWITCHES = new Set(['threadline.configFile', 'threadline.nag']);

/** Anything with CDK's tryGetContext (an App or a construct node). */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/**
 * Read the configuration from CDK context (see the file header for precedence). `allContext` is the
 * full context map (app.node.getAllContext()) so that dotted `threadline.*` keys can be found.
 */
export function configFromContext(allContext: Record<string, unknown>, cwd = process.cwd()): ThreadlineConfig {
  let input: Record<string, unknown> = {};
  const problems: string[] = [];
  const file = allContext['threadline.configFile'] ?? (isPlainObject(allContext.threadline) ? allContext.threadline.configFile : undefined);
  if (typeof file === 'string') {
    try {
      const fromFile = JSON.parse(readFileSync(resolve(cwd, file), 'utf8')) as unknown;
      if (!isPlainObject(fromFile)) problems.push(`configFile ${file}: must hold a JSON object`);
      else input = deepMerge(input, fromFile);
    } catch (err) {
      problems.push(`configFile ${file}: ${(err as Error).message}`);
    }
  }
  if (isPlainObject(allContext.threadline)) {
    const { configFile: _file, nag: _nag, ...rest } = allContext.threadline;
    input = deepMerge(input, rest);
  }
  for (const [key, value] of Object.entries(allContext)) {
    if (!key.startsWith('threadline.') || APP_SWITCHES.has(key)) continue;
    setPath(input, key.slice('threadline.'.length).split('.'), coerceContextValue(value));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return resolveConfig(input as ThreadlineConfigInput);
}
