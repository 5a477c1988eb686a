/**
 * Load phases against a running collector (used by bench/load.ts and, shortened, by the suite):
 *   - runLoad: N keep-alive connections, each posting valid batches back to back for a fixed time;
 *   - runSlowClients: hundreds of connections trickling request headers byte by byte (reconnecting
 *     when the server cuts them) while one normal client posts batches, to show the trickle does not
 *     starve it.
 * Both are bounded by their duration and report counts and latency percentiles; they assert nothing.
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LoadResult {
  connections: number;
  durationMs: number;
  requests: number;
  /** Requests answered 200. */
  ok: number;
  events: number;
  /** Non-200 answers and network errors, by status or error code. */
  errors: Record<string, number>;
  latency: LatencySummary;
}

export interface Target {
  /** Collector base URL, http://127.0.0.1:PORT */
  url: string;
  writeKey: string;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(latencies: number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const arr = Array.from(sorted);
  return {
    count: arr.length,
    p50Ms: percentile(arr, 50),
    p99Ms: percentile(arr, 99),
    maxMs: arr.length ? arr[arr.length - 1]! : Number.NaN,
  };
}

function batchBody(worker: number, seq: number, size: number): string {
  const sentAt = new Date().toISOString();
  const batch = Array.from({ length: size }, (_, i) => ({
    type: 'track',
    userId: `load-user-${worker}-${(seq * size + i) % 97}`,
    event: 'Load Tested',
    messageId: `load-${worker}-${seq}-${i}`,
    properties: { worker, seq, i, sku: `SKU-${i % 13}`, price: 9.99 },
    context: { library: { name: 'threadline-bench', version: '1' } },
    timestamp: sentAt,
  }));
  return JSON.stringify({ batch, sentAt });
}

function post(agent: Agent, target: Target, path: string, body: string): Promise<number> {
  const u = new URL(path, target.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Basic ${Buffer.from(`${target.writeKey}:`).toString('base64')}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `clients` loops posting batches of `batchSize` until `durationMs` has passed. */
async function drive(target: Target, clients: number, durationMs: number, batchSize: number, workerBase = 0): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let requests = 0;
  let ok = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async (w: number) => {
    for (let seq = 0; performance.now() < deadline; seq++) {
      const body = batchBody(workerBase + w, seq, batchSize);
      const t0 = performance.now();
      try {
        const status = await post(agent, target, '/v1/batch', body);
        if (status === 200) ok++;
        else errors[String(status)] = (errors[String(status)] ?? 0) + 1;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        errors[code] = (errors[code] ?? 0) + 1;
      }
      latencies.push(performance.now() - t0);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
  agent.destroy();
  return {
    connections: clients,
    durationMs: performance.now() - started,
    requests,
    ok,
    events: ok * batchSize,
    errors,
    latency: summarize(latencies),
  };
}

export function runLoad(target: Target, opts: { connections: number; durationMs: number; batchSize: number }): Promise<LoadResult> {
  return drive(target, opts.connections, opts.durationMs, opts.batchSize);
}

export interface SlowClientResult {
  slowConnections: number;
  /** The normal client while the trickle ran. */
  normal: LoadResult;
  /** Trickling connections the server closed (header timeout), each replaced by a new one. */
  cutByServer: number;
}

/** One connection sending a request's headers a byte at a time, every `everyMs`; never completes. */
function trickle(port: number, host: string, everyMs: number, onClose: () => void): { stop(): void } {
  const head = 'POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: ';
  const socket: Socket = connect(Number(port), host);
  let i = 0;
  let stopped = false;
  const timer = setInterval(() => {
    if (socket.writable) socket.write(i < head.length ? head[i]! : 'a');
    i++;
  }, everyMs);
  socket.on('error', () => {});
  socket.once('close', () => {
    clearInterval(timer);
    if (!stopped) onClose();
  });
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      socket.destroy();
    },
  };
}

export async function runSlowClients(
  target: Target,
  opts: { slowConnections: number; durationMs: number; batchSize: number; trickleEveryMs?: number },
): Promise<SlowClientResult> {
  const u = new URL(target.url);
  const every = opts.trickleEveryMs ?? 500;
  let cutByServer = 0;
  let running = true;
  const slots: Array<{ stop(): void }> = [];
  const open = (k: number) => {
    slots[k] = trickle(Number(u.port), u.hostname, every, () => {
      cutByServer++;
      if (running) open(k); // keep the pressure up: a cut sender comes straight back
    });
  };
  for (let k = 0; k < opts.slowConnections; k++) open(k);
  // Let the connections establish before measuring (bounded: at most a few trickle periods).
  await new Promise((r) => setTimeout(r, every * 2));
  const normal = await drive(target, 1, opts.durationMs, opts.batchSize, 10_000);
  running = false;
  for (const s of slots) s.stop();
  return { slowConnections: opts.slowConnections, normal, cutByServer };
}
