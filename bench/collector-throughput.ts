/**
 * Collector throughput against floors, in one run, interleaved repetitions, medians:
 *   (a) in process: the collector's API Gateway v2 handler (the Lambda's, with the file key store the
 *       local pipeline uses) fed payload-2.0 events, with a no-op sink and with the real Kinesis writer
 *       against kinesalite (on disk, as the local pipeline runs it; in memory for comparison), vs the JSON
 *       floor (JSON.parse + stamp + JSON.stringify of the same request);
 *   "before" variants in the same run: the writer without group commit (one PutRecords call per
 *   request) and the key file checked on every lookup;
 *   (b) over HTTP: the local collector server (+ kinesalite on disk; + a no-op sink for comparison) vs a
 *       bare node:http server doing read/parse/stamp/serialise;
 * for single events (/v1/track) and batches of 20 and 100 (/v1/batch). Events/s, p50 per request, and
 * each variant's ratio to its floor. Everything runs in this one process, so client and servers share
 * the CPU the same way for the floor and for the collector: compare ratios, not absolute rates.
 *
 *   npm run bench -- collector-throughput
 *   npx tsx bench/collector-throughput.ts [--reps 5] [--ms 1000] [--connections 8] [--json] [--out FILE]
 * (env BENCH_COLLECTOR_REPS / BENCH_COLLECTOR_MS / BENCH_COLLECTOR_CONNECTIONS under `npm run bench`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ApiGatewayV2Handler, createFileKeyStore, createHandler, createKinesisWriter, type EnvelopeSink } from '../lambdas/index.js';
import { startCollectorServer, startLocalKinesis } from '../local/index.js';
import { floorCollect, type Payload, payloads, startFloorServer } from './collector-throughput-floor.js';
import type { BenchReport, SummaryRow } from './index.js';
import { percentile } from './load-client.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SIZES = [1, 20, 100] as const;
const WRITE_KEY = 'tl_bench_collector_throughput';
const STREAM = 'bench-collector';
const BODIES_PER_SIZE = 64;

export interface CellResult {
  events: number;
  requests: number;
  errors: number;
  eventsPerSecond: number;
  p50Ms: number;
}

/** One measurement: `concurrency` loops calling `call` back to back for `durationMs`. */
async function drive(
  call: (p: Payload) => Promise<boolean>,
  bodies: readonly Payload[],
  concurrency: number,
  durationMs: number,
): Promise<CellResult> {
  const latencies: number[] = [];
  let events = 0;
  let requests = 0;
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const p = bodies[next++ % bodies.length]!;
      const t0 = performance.now();
      const ok = await call(p);
      latencies.push(performance.now() - t0);
      requests++;
      if (ok) events += p.events;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { events, requests, errors, eventsPerSecond: (events / elapsed) * 1000, p50Ms: percentile(latencies, 50) };
}

/** The payload-2.0 event API Gateway would pass for this request. */
function apiEvent(p: Payload): APIGatewayProxyEventV2 {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: p.path,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
      'user-agent': 'analytics-node/3.1.0',
    },
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: p.path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'analytics-node/3.1.0' },
      requestId: 'bench',
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: p.body,
    isBase64Encoded: false,
  };
}

function post(agent: Agent, base: URL, p: Payload): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path: p.path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(p.body),
          authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      },
    );
    req.on('error', () => resolve(false));
    req.end(p.body);
  });
}

const noopSink: EnvelopeSink = {
  async put(records) {
    return { ok: true, written: records.length, failed: 0, attempts: 1 };
  },
};

export interface CollectorThroughputOptions {
  reps?: number;
  durationMs?: number;
  connections?: number;
}

export interface CollectorThroughputResult {
  options: Required<CollectorThroughputOptions>;
  /** Medians over the repetitions, by cell name then batch size. */
  cells: Record<string, Record<string, CellResult>>;
  ratios: Record<string, number>;
}

type Cell = { name: string; floor: string; concurrency: number; call: (p: Payload) => Promise<boolean> };

export async function measure(opts: CollectorThroughputOptions = {}): Promise<CollectorThroughputResult> {
  const reps = opts.reps ?? 5;
  const durationMs = opts.durationMs ?? 1_000;
  const connections = opts.connections ?? 8;
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-bench-collector-throughput-'));
  const disk = await startLocalKinesis({ path: path.join(dir, 'kinesis') });
  const memory = await startLocalKinesis();
  const cleanups: Array<() => Promise<void>> = [() => disk.close(), () => memory.close()];
  try {
    await disk.ensureStream(STREAM, 2);
    await memory.ensureStream(STREAM, 2);
    const keyStore = createFileKeyStore(path.join(dir, 'sources.json'));
    await keyStore.ensureKey(WRITE_KEY, { name: 'bench', defaultChannel: 'web' });
    const handlerWith = (sink: EnvelopeSink): ApiGatewayV2Handler => createHandler({ keyStore, sink });
    // The key file checked (stat) on every lookup, as before the lookup cache: measured in the same run.
    const statEveryLookup = createFileKeyStore(path.join(dir, 'sources.json'), { recheckMs: 0 });
    const inProcess = (h: ApiGatewayV2Handler) => async (p: Payload) => (await h(apiEvent(p))).statusCode === 200;
    const diskSink = createKinesisWriter({ client: disk.client, streamName: STREAM });
    const memorySink = createKinesisWriter({ client: memory.client, streamName: STREAM });
    // The writer without group commit (every request its own PutRecords call): the stand-in path as it
    // was, measured in the same run.
    const ungroupedSink = createKinesisWriter({ client: disk.client, streamName: STREAM, maxInFlight: Number.POSITIVE_INFINITY });

    const floorServer = await startFloorServer();
    cleanups.unshift(() => floorServer.close());
    const server = await startCollectorServer({ deps: { keyStore, sink: diskSink } });
    cleanups.unshift(() => server.close());
    const noopServer = await startCollectorServer({ deps: { keyStore, sink: noopSink } });
    cleanups.unshift(() => noopServer.close());
    const ungroupedServer = await startCollectorServer({ deps: { keyStore, sink: ungroupedSink } });
    cleanups.unshift(() => ungroupedServer.close());
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    cleanups.push(async () => agent.destroy());
    const over = (url: string) => {
      const base = new URL(url);
      return (p: Payload) => post(agent, base, p);
    };

    const cells: Cell[] = [
      { name: 'in-process JSON floor', floor: '', concurrency: 1, call: async (p) => floorCollect(apiEvent(p).body!).records > 0 },
      { name: 'in-process handler, no-op sink', floor: 'in-process JSON floor', concurrency: 1, call: inProcess(handlerWith(noopSink)) },
      {
        name: 'in-process handler, no-op sink, key file stat per request',
        floor: 'in-process JSON floor',
        concurrency: 1,
        call: inProcess(createHandler({ keyStore: statEveryLookup, sink: noopSink })),
      },
      {
        name: 'in-process handler, kinesalite on disk',
        floor: 'in-process JSON floor',
        concurrency: connections,
        call: inProcess(handlerWith(diskSink)),
      },
      {
        name: 'in-process handler, kinesalite on disk, one call per request',
        floor: 'in-process JSON floor',
        concurrency: connections,
        call: inProcess(handlerWith(ungroupedSink)),
      },
      {
        name: 'in-process handler, kinesalite in memory',
        floor: 'in-process JSON floor',
        concurrency: connections,
        call: inProcess(handlerWith(memorySink)),
      },
      { name: 'HTTP node:http floor', floor: '', concurrency: connections, call: over(floorServer.url) },
      { name: 'HTTP collector, no-op sink', floor: 'HTTP node:http floor', concurrency: connections, call: over(noopServer.url) },
      { name: 'HTTP collector, kinesalite on disk', floor: 'HTTP node:http floor', concurrency: connections, call: over(server.url) },
      {
        name: 'HTTP collector, kinesalite on disk, one call per request',
        floor: 'HTTP node:http floor',
        concurrency: connections,
        call: over(ungroupedServer.url),
      },
    ];
    const bodies = new Map(SIZES.map((s) => [s, payloads(s, BODIES_PER_SIZE)]));
    // Warm-up: JIT, sockets, LevelDB files.
    for (const size of SIZES) for (const c of cells) await drive(c.call, bodies.get(size)!, c.concurrency, 200);

    const runs = new Map<string, CellResult[]>();
    for (let r = 0; r < reps; r++) {
      for (const size of SIZES) {
        // Rotate the order within each repetition so that no variant always runs right after another.
        const order = cells.map((_, i) => cells[(i + r) % cells.length]!);
        for (const c of order) {
          const result = await drive(c.call, bodies.get(size)!, c.concurrency, durationMs);
          const key = `${c.name}|${size}`;
          runs.set(key, [...(runs.get(key) ?? []), result]);
        }
      }
    }

    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const out: CollectorThroughputResult['cells'] = {};
    for (const c of cells) {
      out[c.name] = {};
      for (const size of SIZES) {
        const rs = runs.get(`${c.name}|${size}`)!;
        out[c.name]![String(size)] = {
          events: rs.reduce((n, x) => n + x.events, 0),
          requests: rs.reduce((n, x) => n + x.requests, 0),
          errors: rs.reduce((n, x) => n + x.errors, 0),
          eventsPerSecond: median(rs.map((x) => x.eventsPerSecond)),
          p50Ms: median(rs.map((x) => x.p50Ms)),
        };
      }
    }
    const ratios: Record<string, number> = {};
    for (const c of cells) {
      if (!c.floor) continue;
      for (const size of SIZES) {
        ratios[`${c.name} / floor, batch ${size} (events/s)`] =
          out[c.name]![String(size)]!.eventsPerSecond / out[c.floor]![String(size)]!.eventsPerSecond;
      }
    }
    return { options: { reps, durationMs, connections }, cells: out, ratios };
  } finally {
    for (const c of cleanups) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatTable(result: CollectorThroughputResult): string {
  const lines = [
    `collector throughput: medians of ${result.options.reps} interleaved runs of ${result.options.durationMs} ms, ${result.options.connections} connections / concurrent calls (1 for the CPU-only in-process cells)`,
    `${'variant'.padEnd(58)} ${'batch'.padStart(5)} ${'events/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'vs floor'.padStart(9)} ${'errors'.padStart(7)}`,
  ];
  const floorOf = (name: string) => (name.startsWith('HTTP') ? 'HTTP node:http floor' : 'in-process JSON floor');
  for (const [name, bySize] of Object.entries(result.cells)) {
    for (const [size, c] of Object.entries(bySize)) {
      const floor = result.cells[floorOf(name)]![size]!;
      const ratio = name === floorOf(name) ? '' : `${(c.eventsPerSecond / floor.eventsPerSecond).toFixed(3)}x`;
      lines.push(
        `${name.padEnd(58)} ${size.padStart(5)} ${c.eventsPerSecond.toFixed(0).padStart(10)} ${c.p50Ms.toFixed(2).padStart(8)} ${ratio.padStart(9)} ${String(c.errors).padStart(7)}`,
      );
    }
  }
  return lines.join('\n');
}

export async function run(): Promise<BenchReport> {
  const env = process.env;
  const result = await measure({
    ...(env.BENCH_COLLECTOR_REPS ? { reps: Number(env.BENCH_COLLECTOR_REPS) } : {}),
    ...(env.BENCH_COLLECTOR_MS ? { durationMs: Number(env.BENCH_COLLECTOR_MS) } : {}),
    ...(env.BENCH_COLLECTOR_CONNECTIONS ? { connections: Number(env.BENCH_COLLECTOR_CONNECTIONS) } : {}),
  });
  console.log(formatTable(result));
  const figures: Record<string, number> = {};
  for (const [name, bySize] of Object.entries(result.cells)) {
    for (const [size, c] of Object.entries(bySize)) figures[`${name}, batch ${size}, events/s`] = c.eventsPerSecond;
  }
  return { name: 'collector throughput vs floors', ratios: result.ratios, figures, rows: summaryRows(result) };
}

/** The summary rows: the issue's two targets (in-process >= 0.5x, HTTP with Kinesis >= 0.3x at batch 20). */
export function summaryRows(result: CollectorThroughputResult): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const add = (stage: string, cell: string, floor: string, target: (size: number) => number | undefined) => {
    for (const size of SIZES) {
      const m = result.cells[cell]![String(size)]!.eventsPerSecond;
      const f = result.cells[floor]![String(size)]!.eventsPerSecond;
      const t = target(size);
      const row: SummaryRow = {
        stage: `${stage}, batch ${size} (ev/s)`,
        measured: m,
        floor: f,
        ratio: m / f,
        target: t === undefined ? '-' : `>= ${t}x`,
      };
      if (t !== undefined) row.met = m / f >= t;
      rows.push(row);
    }
  };
  add('collector in-process, no-op sink', 'in-process handler, no-op sink', 'in-process JSON floor', () => 0.5);
  add('collector in-process, kinesalite disk', 'in-process handler, kinesalite on disk', 'in-process JSON floor', () => undefined);
  add('collector HTTP, no-op sink', 'HTTP collector, no-op sink', 'HTTP node:http floor', () => undefined);
  add('collector HTTP, kinesalite disk', 'HTTP collector, kinesalite on disk', 'HTTP node:http floor', (s) => (s === 20 ? 0.3 : undefined));
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '5' },
      ms: { type: 'string', default: '1000' },
      connections: { type: 'string', default: '8' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const result = await measure({ reps: Number(values.reps), durationMs: Number(values.ms), connections: Number(values.connections) });
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (values.out) writeFileSync(values.out, text);
  process.stdout.write(values.json ? text : `${formatTable(result)}\n`);
}

const invokedAs = process.argv[1] ?? '';
if (invokedAs && import.meta.url === pathToFileURL(invokedAs).href) {
  main().catch((err) => {
    process.stderr.write(`collector-throughput failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
