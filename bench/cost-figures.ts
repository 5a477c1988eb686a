/**
 * `npm run cost:measure [-- --customers N]`: measure per-event figures on the local pipeline (the real collector and processor code over
 * kinesalite, dynalite and the local Firehose endpoint), driven by the demo's omnichannel generator:
 *
 *   - envelope bytes: each generated event stamped by the collector's own stampEvent();
 *   - lake row bytes: rows read back from the local lake, serialised as the processor does (JSON);
 *   - Parquet bytes per event at rest (DuckDB/zstd files, many small ones: an upper bound);
 *   - Firehose records per event, DynamoDB request units per event (from the processor's counters).
 *
 * What it cannot measure offline (Lambda milliseconds in the real runtime, log volume, client batching,
 * identity table growth in a mature deployment) stays a labelled assumption. The demo data is identity-dense (a few days of ~15 events per person,
 * most identifiers new), so its DynamoDB write figure is an upper bound for a mature deployment.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Figure, MEASURED_FIGURES_PATH, type MeasuredFiguresFile, type PerEventFigures } from '../cost/index.js';

function folderBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? folderBytes(p) : statSync(p).size;
  }
  return total;
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

/** Lambda allocates CPU in proportion to memory: 1,769 MB = one vCPU. */
const MB_PER_VCPU = 1769;

/**
 * CPU the collector's own code (decode, auth, zod validation, envelope) spends, measured in-process
 * with a static key store and a sink that accepts everything: two batch sizes give the per-request
 * and per-event parts (t = a + b x events). The Kinesis round trip is I/O and is NOT in this figure.
 */
async function collectorCpu(events: unknown[]): Promise<{ perRequestMs: number; perEventMs: number }> {
  const { createCollector, createStaticKeyStore, hashWriteKey } = await import('../lambdas/index.js');
  const key = 'tl_cost_measurement_key_000000000000';
  const collect = createCollector({
    keyStore: createStaticKeyStore(JSON.stringify([{ keyHash: hashWriteKey(key), name: 'web' }])),
    sink: { put: async (records) => ({ ok: true, written: records.length, failed: 0, attempts: 1 }) },
  });
  const auth = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const timeBatches = async (size: number): Promise<{ ms: number; requests: number; events: number }> => {
    const bodies: string[] = [];
    for (let i = 0; i < events.length; i += size) bodies.push(JSON.stringify({ batch: events.slice(i, i + size) }));
    const run = async () => {
      for (const body of bodies) {
        await collect({
          method: 'POST',
          path: '/v1/batch',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body,
          sourceIp: '203.0.113.9',
        });
      }
    };
    await run(); // warm up (JIT, caches)
    const start = process.cpuUsage();
    const passes = 3;
    for (let p = 0; p < passes; p++) await run();
    const used = process.cpuUsage(start);
    return { ms: (used.user + used.system) / 1000, requests: bodies.length * passes, events: events.length * passes };
  };
  const one = await timeBatches(1);
  const twenty = await timeBatches(20);
  // one.ms = a*R1 + b*E ; twenty.ms = a*R20 + b*E  (same events)
  const perRequestMs = Math.max(0, (one.ms - twenty.ms) / (one.requests - twenty.requests));
  const perEventMs = Math.max(0, (twenty.ms - perRequestMs * twenty.requests) / twenty.events);
  return { perRequestMs, perEventMs };
}

/**
 * CPU of the processor's per-event code path that does not wait on AWS: decode the Kinesis record,
 * validate, enrich/normalise (UA, URL, channel rules, HMAC hashes), serialise the lake row. Identity
 * resolution (cache + DynamoDB) and Firehose calls are not in it.
 */
async function processorCpu(envelopeJsons: string[]): Promise<number> {
  const [{ decodeRecord, toJsonLine, localConfig }, { normaliseEvent }] = await Promise.all([
    import('../lambdas/index.js'),
    import('../domain/index.js'),
  ]);
  const config = localConfig();
  const data = envelopeJsons.map((j) => Buffer.from(j).toString('base64'));
  const run = () => {
    const now = new Date();
    for (const [i, d] of data.entries()) {
      const dec = decodeRecord(d, `k/${i}`, now);
      if (dec.kind === 'failed') continue;
      toJsonLine(normaliseEvent(dec.envelope, dec.event, dec.eventTimeMs, config, now).record);
    }
  };
  run();
  const start = process.cpuUsage();
  const passes = 3;
  for (let p = 0; p < passes; p++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / (data.length * passes);
}

export async function measureFigures(opts: { customers?: number; seed?: number } = {}): Promise<MeasuredFiguresFile> {
  const customers = opts.customers ?? 200;
  const seed = opts.seed ?? 7;
  const [{ runDemo }, { stampEvent }, { createDuckDbEngine }] = await Promise.all([
    import('../demo/index.js'),
    import('../lambdas/index.js'),
    import('../query/index.js'),
  ]);
  const outDir = mkdtempSync(join(tmpdir(), 'threadline-cost-measure-'));
  const result = await runDemo({ customers, seed, outDir, writeNdjson: true });
  const run = `local pipeline, demo generator ${customers} customers seed ${seed}: ${result.stats.processor.events} events`;
  const events = result.stats.processor.events;

  // Envelope bytes: the collector's stamping applied to the generated events.
  let envelopeBytes = 0;
  let n = 0;
  const envelopeJsons: string[] = [];
  const sourcesDir = join(outDir, 'sources');
  for (const file of readdirSync(sourcesDir)) {
    for (const line of readFileSync(join(sourcesDir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const event = JSON.parse(line);
      const t = Date.parse(event.timestamp ?? '');
      const env = stampEvent(event, {
        newId: () => '00000000-0000-4000-8000-000000000000',
        eventTimeMs: Number.isFinite(t) ? t : Date.now(),
        receivedAt: new Date().toISOString(),
        source: { id: file.replace(/\.ndjson$/, ''), name: file.replace(/\.ndjson$/, '') },
        clientIp: '203.0.113.0',
      } as Parameters<typeof stampEvent>[1]);
      const envJson = JSON.stringify(env);
      envelopeJsons.push(envJson);
      envelopeBytes += Buffer.byteLength(envJson);
      n++;
    }
  }

  const generated: unknown[] = [];
  for (const file of readdirSync(sourcesDir)) {
    for (const line of readFileSync(join(sourcesDir, file), 'utf8').split('\n')) if (line.trim()) generated.push(JSON.parse(line));
  }
  const cpu = await collectorCpu(generated);
  const collectorMemoryMb = 512;
  const scale = MB_PER_VCPU / collectorMemoryMb;
  const processorCpuMs = await processorCpu(envelopeJsons);
  const processorMemoryMb = 1024;
  const pScale = MB_PER_VCPU / processorMemoryMb;

  // Lake row bytes as JSON lines (what the processor sends Firehose).
  const engine = await createDuckDbEngine({ lakeDir: result.lakeDir, createViews: false });
  let rowBytes = 0;
  let rows = 0;
  try {
    const res = await engine.query<Record<string, unknown>>('SELECT * FROM events');
    for (const r of res.rows) {
      rowBytes += Buffer.byteLength(JSON.stringify(r)) + 1;
      rows++;
    }
  } finally {
    await engine.close();
  }

  const id = result.stats.identity;
  const p = result.stats.processor;
  const failedRows = Object.values(p.failed).reduce((a, b) => a + b, 0);
  const lakeRows = events + p.identityChanges + failedRows;
  const m = (value: number, source: string): Figure => ({ value, basis: 'measured', source: `${source} (${run})` });
  const figures: Partial<Record<keyof PerEventFigures, Figure>> = {
    collectorMsPerEvent: m(
      round(cpu.perEventMs * scale, 3),
      `collector code CPU ${round(cpu.perEventMs, 4)} ms/event on the measuring machine, x${round(scale, 2)} ` +
        `for a ${collectorMemoryMb} MB Lambda's CPU share (decode, auth, validation, envelope)`,
    ),
    processorMsPerEvent: m(
      round(processorCpuMs * pScale, 3),
      `processor decode + enrich + serialise CPU ${round(processorCpuMs, 4)} ms/event on the measuring machine, ` +
        `x${round(pScale, 2)} for a ${processorMemoryMb} MB Lambda's CPU share; ` +
        'identity resolution and AWS calls are in processorMsPerInvocation (assumed)',
    ),
    collectorMsPerRequest: {
      value: round(cpu.perRequestMs * scale + 6, 2),
      basis: 'assumption',
      source: `measured CPU ${round(cpu.perRequestMs, 4)} ms/request x${round(scale, 2)} + an ASSUMED 6 ms PutRecords round trip in-region (${run})`,
    },
    envelopeBytes: m(round(envelopeBytes / n, 0), 'mean CollectedEnvelope JSON bytes from the collector stampEvent()'),
    lakeRecordBytes: m(round(rowBytes / rows, 0), 'mean JSON bytes of events rows read back from the lake'),
    parquetBytes: m(
      round(folderBytes(join(result.lakeDir, 'events')) / rows, 0),
      'events Parquet bytes per row; local files are small, so per-file overhead makes this an upper bound',
    ),
    lakeRowsPerEvent: m(
      round(lakeRows / events),
      `lake rows sent by the processor (${events} events + ${p.identityChanges} identity changes + ${failedRows} failed) / events`,
    ),
    firehoseRecordsPerEvent: m(
      round(result.stats.firehose.recordsAccepted / events),
      'Firehose records accepted (events + identity changes + failed, rows packed into <= 5 KB records) / events',
    ),
    // The store counts billed read units itself: BatchGetItem bills every key it asks for (found or
    // not, 0.5 RRU eventually consistent), a consistent GetItem 1 RRU; there is no per-call charge.
    // Items found x 0.5 + calls undercounts it (missing keys are billed too).
    dynamoReadUnitsPerEvent: m(
      round(id.readUnits / events, 4),
      `identity store read units as billed (every key asked for: ${round(id.readUnits, 1)} RRU; ` +
        `${id.itemsRead} items found in ${id.batchGetCalls} BatchGetItem + ${id.getCalls} GetItem calls) / events`,
    ),
    // Identity items are well under 1 KB: one WRU per UpdateItem (lease writes included).
    dynamoWriteUnitsPerEvent: m(
      round(id.updateCalls / events, 4),
      `identity store UpdateItem calls (incl. ${id.lockWrites} lease writes) / events; identity-dense demo data: upper bound`,
    ),
  };
  return { measuredAt: new Date().toISOString().slice(0, 10), run, figures };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { customers: { type: 'string', default: '200' } } });
  const measured = await measureFigures({ customers: Number(values.customers) });
  writeFileSync(MEASURED_FIGURES_PATH, `${JSON.stringify(measured, null, 2)}\n`);
  console.log(`measured (${measured.run}):`);
  for (const [k, v] of Object.entries(measured.figures)) console.log(`  ${k.padEnd(26)} ${v!.value}`);
  console.log(`saved to ${MEASURED_FIGURES_PATH}`);
}

if (process.argv[1] && /cost-figures\.ts$/.test(process.argv[1])) {
  main().catch((err) => {
    console.error(`cost:measure: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
