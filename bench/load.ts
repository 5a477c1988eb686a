/**
 * Bounded load test of the local collector (HTTP -> collector -> kinesalite on LevelDB), the server in
 * a child process of its own so that its memory is measured alone:
 *   1. load: 64 keep-alive connections posting valid batches back to back for 60 s -> throughput,
 *      latency p50/p99, errors, the collector process's peak RSS (VmHWM);
 *   2. slow clients: 300 connections trickling request headers byte by byte (cut by the server's
 *      header timeout and coming straight back) while one normal client posts batches, against a
 *      baseline of that client alone.
 *
 *   npm run bench:load                          (defaults: 64 connections x 60 s, 300 slow x 20 s)
 *   npm run bench:load -- --duration 10 --slow-duration 5 --json
 * Flags: --connections N --duration S --batch EVENTS --slow N --slow-duration S --headers-timeout MS --json
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type LoadResult, runLoad, runSlowClients, type Target } from './load-client.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '64' },
    duration: { type: 'string', default: '60' },
    batch: { type: 'string', default: '20' },
    slow: { type: 'string', default: '300' },
    'slow-duration': { type: 'string', default: '20' },
    'headers-timeout': { type: 'string', default: '10000' },
    json: { type: 'boolean', default: false },
  },
});
const connections = Number(values.connections);
const durationMs = Number(values.duration) * 1000;
const batchSize = Number(values.batch);
const slow = Number(values.slow);
const slowMs = Number(values['slow-duration']) * 1000;

/** Peak and current resident set of a process (Linux /proc), in MB. */
function memoryOf(pid: number): { peakRssMb: number; rssMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { peakRssMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

async function startServer(dataDir: string): Promise<{ target: Target; pid: number; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'load-server.ts'), dataDir, values['headers-timeout']!],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`load server exited (${code}) before it was ready`)));
  });
  return {
    target: JSON.parse(line) as Target,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const errorsText = (r: LoadResult) => (Object.keys(r.errors).length ? JSON.stringify(r.errors) : '0');

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-bench-load-'));
  const server = await startServer(dir);
  try {
    // Warm-up (JIT, connections, LevelDB files) so the measurement is not the cold start.
    await runLoad(server.target, { connections: 4, durationMs: 1_000, batchSize });
    const load = await runLoad(server.target, { connections, durationMs, batchSize });
    const afterLoad = memoryOf(server.pid);
    const baseline = await runLoad(server.target, { connections: 1, durationMs: Math.min(5_000, slowMs), batchSize });
    const trickle = await runSlowClients(server.target, { slowConnections: slow, durationMs: slowMs, batchSize });
    const end = memoryOf(server.pid);
    const report = { batchSize, load, memory: { afterLoad, end }, baseline, trickle };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    const s = load.durationMs / 1000;
    process.stdout.write(
      [
        `load: ${connections} keep-alive connections x ${fmt(s, 0)} s, valid batches of ${batchSize} events (POST /v1/batch)`,
        `  requests ${load.requests} (${fmt(load.requests / s, 0)}/s), events ${load.events} (${fmt(load.events / s, 0)}/s), errors ${errorsText(load)}`,
        `  latency p50 ${fmt(load.latency.p50Ms)} ms, p99 ${fmt(load.latency.p99Ms)} ms, max ${fmt(load.latency.maxMs)} ms`,
        `  collector process (collector + kinesalite) peak RSS ${fmt(end?.peakRssMb ?? Number.NaN, 0)} MB`,
        `slow clients: ${slow} connections trickling headers for ${fmt(slowMs / 1000, 0)} s (header timeout ${values['headers-timeout']} ms)`,
        `  one normal client alone:      p50 ${fmt(baseline.latency.p50Ms)} ms, p99 ${fmt(baseline.latency.p99Ms)} ms, ${baseline.requests} requests, errors ${errorsText(baseline)}`,
        `  the same during the trickle:  p50 ${fmt(trickle.normal.latency.p50Ms)} ms, p99 ${fmt(trickle.normal.latency.p99Ms)} ms, ${trickle.normal.requests} requests, errors ${errorsText(trickle.normal)}`,
        `  trickling connections cut by the server (and reopened): ${trickle.cutByServer}`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench:load failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
