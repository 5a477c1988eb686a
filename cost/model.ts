/**
 * The cost model: monthly AWS cost of a deployment at a given event volume, from
 *   - the deployment as synthesized (memory sizes, stream mode, buffering, alarms...: deployment.ts),
 *   - public list prices (prices.ts),
 *   - per-event figures (bytes, Lambda milliseconds, DynamoDB request units), each labelled as
 *     measured (with where it was measured) or as an assumption.
 * Pure arithmetic, no I/O: tests recompute its lines by hand.
 */
import { shardEventsPerSecond } from '../lib/index.js';
import { PRICES } from './prices.js';

export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
/**
 * The month of operation a "monthly cost" describes by default: the lake and the identity table keep
 * growing, so month 1 would understate storage for every month after it.
 */
export const DEFAULT_COST_MONTH = 12;
const GB = 1024 ** 3;

/** The deployment facts the cost depends on, read from the synthesized template. */
export interface DeploymentFacts {
  architecture: 'arm64' | 'x86_64';
  collectorMemoryMb: number;
  processorMemoryMb: number;
  streamMode: 'on-demand' | 'provisioned';
  /** Provisioned shard count (ignored on-demand). */
  shardCount?: number;
  processorBatchSize: number;
  /** Concurrent batches per shard (Lambda ParallelizationFactor): how fast the processor drains a shard. */
  processorParallelizationFactor: number;
  processorBatchingWindowSeconds: number;
  deliveryStreams: number;
  bufferingSizeMb: number;
  bufferingIntervalSeconds: number;
  /** Metrics referenced by alarms (CloudWatch bills alarms per metric). */
  alarmMetrics: number;
  dashboards: number;
  secrets: number;
  kmsKeys: number;
  /** Point-in-time recovery on the identity table (billed per GB-month of table size). */
  identityPitr: boolean;
  /** Days the lake keeps events and identity_changes (S3 lifecycle expiration); 0 = kept for ever. */
  lakeRetentionDays: number;
  /** CloudWatch custom metrics the functions publish (metric name x dimension combinations, EMF). */
  customMetrics: number;
}

export interface Figure {
  value: number;
  basis: 'measured' | 'assumption';
  /** Where it was measured, or why the assumption is reasonable. */
  source: string;
}

export interface PerEventFigures {
  /**
   * Events per collector HTTP request: client batching, an explicit input of every estimate. Browser
   * SDKs send one event per request by default; @segment/analytics-node flushes at 15 (flushAt).
   */
  eventsPerRequest: Figure;
  /** Kinesis record (CollectedEnvelope JSON) bytes per event. */
  envelopeBytes: Figure;
  /** Lake record JSON line bytes sent to Firehose per event. */
  lakeRecordBytes: Figure;
  /** Parquet bytes per event at rest (Snappy). */
  parquetBytes: Figure;
  /** Lake rows per event: the events row + identity_changes and failed_events rows. */
  lakeRowsPerEvent: Figure;
  /**
   * Firehose records (PutRecordBatch entries) per event as the processor sends them: it packs rows
   * of one delivery stream into newline-delimited records of at most THREADLINE_FIREHOSE_PACK_BYTES
   * (default 5120), so this is below lakeRowsPerEvent; with packing off (0) it equals it.
   */
  firehoseRecordsPerEvent: Figure;
  collectorMsPerRequest: Figure;
  collectorMsPerEvent: Figure;
  processorMsPerInvocation: Figure;
  processorMsPerEvent: Figure;
  /**
   * Read request units billed per event: BatchGetItem bills every key it is asked for, found or not
   * (0.5 RRU per 4 KB eventually consistent, 1 strongly consistent), with no charge per call.
   */
  dynamoReadUnitsPerEvent: Figure;
  dynamoWriteUnitsPerEvent: Figure;
  /** Items the identity table gains per event (new identifiers, new persons); nothing expires them. */
  identityItemsPerEvent: Figure;
  /** Stored bytes per identity item, DynamoDB's 100 B per-item overhead included. */
  identityItemBytes: Figure;
  /** Wall time the processor waits per identity write (writes run in record order, one after another). */
  dynamoWriteLatencyMs: Figure;
  /** CloudWatch Logs bytes per collector invocation (platform + application lines). */
  collectorLogBytesPerInvocation: Figure;
  processorLogBytesPerInvocation: Figure;
  /** API Gateway access log bytes per request. */
  accessLogBytesPerRequest: Figure;
  /** JQ partition-key extraction time per row (ms): it runs on the de-aggregated rows. */
  jqMsPerRecord: Figure;
  /** Peak-hour rate / average rate (provisioned shard sizing). */
  peakToAverage: Figure;
}

export interface CostLine {
  component: string;
  usd: number;
  /** How the figure was computed (units x price). */
  detail: string;
  fixed: boolean;
}

export interface CostEstimate {
  eventsPerMonth: number;
  /** Month of operation (storage accumulated since month 1 at this volume). */
  month: number;
  lines: CostLine[];
  totalUsd: number;
  perMillionUsd: number;
  /** Per million without the fixed monthly charges (what volume-proportional comparisons use). */
  variablePerMillionUsd: number;
  warnings: string[];
}

const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** On-demand streams start with 4 shards' worth of capacity: each is polled on its own. */
const ON_DEMAND_INITIAL_SHARDS = 4;

export interface EstimateOptions {
  /** Month of operation, 1-based (default DEFAULT_COST_MONTH). */
  month?: number;
}

/**
 * Average stock, in months of data, during month `month` of linear growth (a month's data arrives
 * evenly, so month m holds m - 0.5 months on average), capped by a retention of `retentionMonths`.
 */
export function storedMonths(month: number, retentionMonths = Number.POSITIVE_INFINITY): number {
  return Math.max(0, Math.min(month - 0.5, retentionMonths));
}

export function estimateMonthlyCost(
  d: DeploymentFacts,
  f: PerEventFigures,
  eventsPerMonth: number,
  opts: EstimateOptions = {},
): CostEstimate {
  const N = eventsPerMonth;
  const month = opts.month ?? DEFAULT_COST_MONTH;
  if (!Number.isInteger(month) || month < 1) throw new RangeError(`cost month must be an integer >= 1 (got ${month})`);
  const lines: CostLine[] = [];
  const warnings: string[] = [];
  const add = (component: string, usd: number, detail: string, fixed = false) => lines.push({ component, usd, detail, fixed });

  // ---- API Gateway (HTTP API)
  const requests = N / f.eventsPerRequest.value;
  const tier1 = Math.min(requests, 300e6);
  const tier2 = Math.max(0, requests - 300e6);
  add(
    'API Gateway HTTP API',
    (tier1 / 1e6) * PRICES.apiGatewayHttpRequestsPerMillion.usd + (tier2 / 1e6) * PRICES.apiGatewayHttpRequestsPerMillionAbove300M.usd,
    `${fmt(requests / 1e6)} M requests (${f.eventsPerRequest.value} event(s)/request)`,
  );

  // ---- Lambda
  const gbSecond = d.architecture === 'arm64' ? PRICES.lambdaArmGbSecond.usd : PRICES.lambdaX86GbSecond.usd;
  const collectorMs = requests * (f.collectorMsPerRequest.value + f.collectorMsPerEvent.value * f.eventsPerRequest.value);
  const collectorGbS = (collectorMs / 1000) * (d.collectorMemoryMb / 1024);
  add(
    'Lambda collector',
    collectorGbS * gbSecond + (requests / 1e6) * PRICES.lambdaRequestsPerMillion.usd,
    `${fmt(requests / 1e6)} M invocations, ${fmt(collectorGbS, 0)} GB-s at ${d.collectorMemoryMb} MB ${d.architecture}`,
  );

  // Batches: full batches at volume; at low volume the batching window closes them first, per shard.
  const shards = d.streamMode === 'provisioned' ? (d.shardCount ?? 1) : ON_DEMAND_INITIAL_SHARDS;
  const perShardRate = N / SECONDS_PER_MONTH / shards;
  const batch = Math.max(1, Math.min(d.processorBatchSize, perShardRate * Math.max(1, d.processorBatchingWindowSeconds)));
  const invocations = N / batch;
  const processorMs =
    invocations * f.processorMsPerInvocation.value +
    N * f.processorMsPerEvent.value +
    N * f.dynamoWriteUnitsPerEvent.value * f.dynamoWriteLatencyMs.value;
  const processorGbS = (processorMs / 1000) * (d.processorMemoryMb / 1024);
  add(
    'Lambda processor',
    processorGbS * gbSecond + (invocations / 1e6) * PRICES.lambdaRequestsPerMillion.usd,
    `${fmt(invocations / 1e6, 3)} M invocations (~${fmt(batch, 0)} records/batch), ${fmt(processorGbS, 0)} GB-s at ${d.processorMemoryMb} MB`,
  );

  // ---- Kinesis
  const envelope = f.envelopeBytes.value;
  if (d.streamMode === 'on-demand') {
    add(
      'Kinesis stream-hours (on-demand)',
      HOURS_PER_MONTH * PRICES.kinesisOnDemandStreamHour.usd,
      `${HOURS_PER_MONTH} stream-hours`,
      true,
    );
    const ingestGb = (N * Math.ceil(envelope / 1024) * 1024) / GB;
    const readGb = (N * envelope) / GB;
    add(
      'Kinesis data (on-demand)',
      ingestGb * PRICES.kinesisOnDemandIngestGb.usd + readGb * PRICES.kinesisOnDemandRetrievalGb.usd,
      `${fmt(ingestGb)} GB in (records rounded to 1 KB), ${fmt(readGb)} GB out`,
    );
  } else {
    const configured = d.shardCount ?? 1;
    const needed = provisionedShardsNeeded(N, f, d.processorParallelizationFactor);
    if (needed > configured)
      warnings.push(
        `provisioned stream: ${configured} shard(s) configured, ~${needed} needed at ${fmt(N / 1e6)} M events/month ` +
          `(peak x${f.peakToAverage.value}, ${d.processorParallelizationFactor} processor lane(s) per shard); writes or processing would fall behind`,
      );
    add(
      'Kinesis shards (provisioned)',
      configured * HOURS_PER_MONTH * PRICES.kinesisShardHour.usd,
      `${configured} shard(s) x ${HOURS_PER_MONTH} h`,
      true,
    );
    const units = N * Math.ceil(envelope / 25600);
    add('Kinesis PUT payload units', (units / 1e6) * PRICES.kinesisPutPayloadUnitsPerMillion.usd, `${fmt(units / 1e6)} M units of 25 KB`);
  }

  // ---- DynamoDB identity table
  const rru = N * f.dynamoReadUnitsPerEvent.value;
  const wru = N * f.dynamoWriteUnitsPerEvent.value;
  add(
    'DynamoDB identity requests',
    (rru / 1e6) * PRICES.dynamoDbReadRequestUnitsPerMillion.usd + (wru / 1e6) * PRICES.dynamoDbWriteRequestUnitsPerMillion.usd,
    `${fmt(rru / 1e6)} M RRU (every key read billed) + ${fmt(wru / 1e6)} M WRU (on-demand)`,
  );
  // The table only grows (no TTL: an identifier is linked for ever), so its size follows the months.
  const tableGbAdded = (N * f.identityItemsPerEvent.value * f.identityItemBytes.value) / GB;
  const tableGbMonth = tableGbAdded * storedMonths(month);
  add(
    'DynamoDB identity storage',
    tableGbMonth * PRICES.dynamoDbStorageGbMonth.usd,
    `${fmt(tableGbMonth)} GB-month in month ${month} (+${fmt(tableGbAdded)} GB a month)`,
  );
  add(
    'DynamoDB point-in-time recovery',
    d.identityPitr ? tableGbMonth * PRICES.dynamoDbPitrGbMonth.usd : 0,
    d.identityPitr ? `${fmt(tableGbMonth)} GB-month of continuous backups` : 'off',
  );

  // ---- Firehose (Direct PUT, Parquet conversion, dynamic partitioning)
  // Ingestion and conversion are billed per RECORD, each rounded up to 5 KB; dynamic partitioning
  // per GB of actual data. Records and rows differ because the processor packs rows into records.
  // Every row is priced at the events-row size; identity-change rows are smaller, so actual bytes
  // (dynamic partitioning, flushes by size) lean high. Billed bytes do not depend on it while
  // packed records stay under 5 KB.
  const lakeRows = N * f.lakeRowsPerEvent.value;
  const actualBytes = lakeRows * f.lakeRecordBytes.value;
  const fhRecords = N * f.firehoseRecordsPerEvent.value;
  if (f.firehoseRecordsPerEvent.value > f.lakeRowsPerEvent.value + 1e-9) {
    warnings.push(
      `figures disagree: ${f.firehoseRecordsPerEvent.value} Firehose records per event ` +
        `but only ${f.lakeRowsPerEvent.value} lake rows (a record holds at least one row)`,
    );
  }
  const unitsPerRecord = fhRecords > 0 ? Math.max(1, Math.ceil(actualBytes / fhRecords / 5120)) : 0;
  const billedGb = (fhRecords * unitsPerRecord * 5120) / GB;
  const actualGb = actualBytes / GB;
  add(
    'Firehose ingestion',
    billedGb * PRICES.firehoseIngestGb.usd,
    `${fmt(billedGb)} GB billed (${fmt(fhRecords / 1e6)} M records for ${fmt(lakeRows / 1e6)} M rows, ` +
      `each record rounded up to 5 KB; ${fmt(actualGb)} GB actual)`,
  );
  add('Firehose Parquet conversion', billedGb * PRICES.firehoseFormatConversionGb.usd, `${fmt(billedGb)} GB (5 KB increments)`);
  // Objects: each stream flushes per partition when the buffer fills or the interval passes.
  const flushesBySize = (actualGb * 1024) / d.bufferingSizeMb;
  const flushesByTime = d.deliveryStreams * (SECONDS_PER_MONTH / Math.max(60, d.bufferingIntervalSeconds));
  const objects = Math.max(flushesBySize, flushesByTime) * 1.1; // +10%: a flush near midnight spans two date partitions
  // JQ runs after RecordDeAggregation: once per row, not per packed record.
  const jqHours = (lakeRows * f.jqMsPerRecord.value) / 3.6e6;
  add(
    'Firehose dynamic partitioning',
    actualGb * PRICES.firehoseDynamicPartitioningGb.usd +
      (objects / 1000) * PRICES.firehoseDynamicPartitioningPer1000Objects.usd +
      jqHours * PRICES.firehoseJqHour.usd,
    `${fmt(actualGb)} GB, ${fmt(objects, 0)} objects, ${fmt(jqHours, 1)} JQ hours`,
  );

  // ---- S3
  add('S3 PUT requests', (objects / 1000) * PRICES.s3PutPer1000.usd, `${fmt(objects, 0)} objects`);
  const parquetGb = (N * f.parquetBytes.value) / GB;
  const retentionMonths = d.lakeRetentionDays > 0 ? d.lakeRetentionDays / DAYS_PER_MONTH : Number.POSITIVE_INFINITY;
  const lakeGbMonth = parquetGb * storedMonths(month, retentionMonths);
  add(
    'S3 lake storage',
    lakeGbMonth * PRICES.s3StandardGbMonth.usd,
    `${fmt(lakeGbMonth)} GB-month in month ${month} (+${fmt(parquetGb)} GB Parquet a month, ` +
      `${d.lakeRetentionDays > 0 ? `expired after ${d.lakeRetentionDays} days` : 'kept for ever'})`,
  );

  // ---- CloudWatch
  const logGb =
    (requests * (f.collectorLogBytesPerInvocation.value + f.accessLogBytesPerRequest.value) +
      invocations * f.processorLogBytesPerInvocation.value) /
    GB;
  add('CloudWatch Logs ingestion', logGb * PRICES.cloudWatchLogsIngestGb.usd, `${fmt(logGb)} GB (Lambda + API access logs)`);
  add(
    'CloudWatch custom metrics',
    d.customMetrics * PRICES.cloudWatchCustomMetricMonth.usd,
    `${d.customMetrics} metrics (EMF, one per name x dimension set)`,
    true,
  );
  add(
    'CloudWatch alarms + dashboard',
    d.alarmMetrics * PRICES.cloudWatchAlarmMetricMonth.usd + d.dashboards * PRICES.cloudWatchDashboardMonth.usd,
    `${d.alarmMetrics} alarm metrics, ${d.dashboards} dashboard(s)`,
    true,
  );
  add(
    'Secrets Manager + KMS',
    d.secrets * PRICES.secretsManagerSecretMonth.usd + d.kmsKeys * PRICES.kmsKeyMonth.usd,
    `${d.secrets} secret(s), ${d.kmsKeys} customer-managed key(s)`,
    true,
  );

  const totalUsd = lines.reduce((s, l) => s + l.usd, 0);
  const variable = lines.filter((l) => !l.fixed).reduce((s, l) => s + l.usd, 0);
  return {
    eventsPerMonth: N,
    month,
    lines,
    totalUsd,
    perMillionUsd: totalUsd / (N / 1e6),
    variablePerMillionUsd: variable / (N / 1e6),
    warnings,
  };
}

const A = (value: number, source: string): Figure => ({ value, basis: 'assumption', source });

/**
 * Default per-event figures. Every one is an ASSUMPTION until replaced by a measurement
 * (`threadline cost --figures measured.json`); the sources say what they rest on.
 */
export const DEFAULT_FIGURES: PerEventFigures = {
  eventsPerRequest: A(
    1,
    'browser SDKs (analytics.js) send each event in its own request unless batching is turned on; ' +
      '@segment/analytics-node batches up to flushAt = 15 events (or what 10 s collected)',
  ),
  envelopeBytes: A(1200, '1 KB event (the anchor figure) + ~200 B of envelope (source, receivedAt, clientIp)'),
  lakeRecordBytes: A(1400, '58 named columns in JSON, about half null, properties as a JSON string'),
  parquetBytes: A(200, 'Snappy Parquet of repetitive clickstream columns: ~5-8x smaller than the JSON row'),
  lakeRowsPerEvent: A(1.02, 'one events row; identity changes and failed events add ~2% once most customers are known'),
  firehoseRecordsPerEvent: A(
    0.34,
    'lambdas/processor/output/firehose.ts packs rows into <= 5 KB records (THREADLINE_FIREHOSE_PACK_BYTES=5120): ~3 rows of ~1.4 KB per record',
  ),
  collectorMsPerRequest: A(8, 'key lookup from the warm cache + one PutRecords round trip (~5-10 ms in-region)'),
  collectorMsPerEvent: A(0.15, 'zod validation + envelope JSON per event'),
  processorMsPerInvocation: A(40, 'DynamoDB BatchGetItem + three PutRecordBatch round trips per batch'),
  processorMsPerEvent: A(0.5, 'parse, enrich (UA, URL, channel rules), identity resolution from the LRU cache'),
  dynamoReadUnitsPerEvent: A(
    0.1,
    'BatchGetItem bills 0.5 RRU per key asked for (found or not), eventually consistent; the identity LRU cache absorbs ~80% of lookups',
  ),
  dynamoWriteUnitsPerEvent: A(0.1, 'writes only when a new identifier is linked or persons merge (~1 in 10 events)'),
  identityItemsPerEvent: A(
    0.1,
    'a new visitor adds an anonymousId node and a person (~2 items); ~1 event in 20 comes from a new visitor or identifier',
  ),
  identityItemBytes: A(250, 'node item (keys, person id, type, timestamps, lease attributes) ~150 B + 100 B DynamoDB per-item overhead'),
  dynamoWriteLatencyMs: A(5, 'in-region UpdateItem round trip; identity writes are sequential within a batch'),
  collectorLogBytesPerInvocation: A(600, 'Lambda JSON platform lines (start/report) + one request summary line'),
  processorLogBytesPerInvocation: A(1200, 'platform lines + batch summary + EMF metrics line'),
  accessLogBytesPerRequest: A(300, 'the access log format in lib/collector-api.ts (no IP, no user agent)'),
  jqMsPerRecord: A(0.01, 'one-key JQ extraction (.event_date) per de-aggregated row; Firehose bills JQ processing hours'),
  peakToAverage: A(3, 'busiest hour ~3x the monthly average (retail daily cycle)'),
};

/** Replace default figures with measured ones (partial). */
export function withFigures(
  base: PerEventFigures,
  over: Partial<Record<keyof PerEventFigures, Partial<Figure> & { value: number }>>,
): PerEventFigures {
  const out = { ...base };
  for (const [k, v] of Object.entries(over) as [keyof PerEventFigures, Partial<Figure> & { value: number }][]) {
    if (!(k in base)) throw new Error(`unknown cost figure "${k}" (known: ${Object.keys(base).join(', ')})`);
    if (typeof v?.value !== 'number' || !Number.isFinite(v.value) || v.value < 0)
      throw new Error(`cost figure ${k}: value must be a non-negative number`);
    out[k] = { value: v.value, basis: v.basis ?? 'measured', source: v.source ?? 'supplied with --figures' };
  }
  return out;
}

/**
 * Shards a provisioned stream needs at the peak hour: enough for producers (records and bytes per
 * shard) AND for the processor, whose lanes per shard (ParallelizationFactor) set how fast it drains.
 */
export function provisionedShardsNeeded(eventsPerMonth: number, f: PerEventFigures, parallelizationFactor: number): number {
  const peakRate = (eventsPerMonth / SECONDS_PER_MONTH) * f.peakToAverage.value;
  const byRecords = peakRate / shardEventsPerSecond(parallelizationFactor);
  const byBytes = (peakRate * f.envelopeBytes.value) / 1e6;
  return Math.max(1, Math.ceil(Math.max(byRecords, byBytes)));
}
