/**
 * The fault table: each fault injected into a real local pipeline (the same collector, processor,
 * stand-ins and lake as `threadline local`) while generated events are sent; then, once the fault is
 * cleared, how many acknowledged events landed, how many rows were duplicates (same messageId), how
 * many were lost, and how long the pipeline took to be healthy and drained again. Faults use the real
 * error shapes at the boundary where they happen (ENOSPC at the lake's file commit, LevelDB's disk-full
 * error in the stream and identity stores, Firehose ServiceUnavailableException), and SIGKILL is a
 * real kill of a `threadline local` process. Bounded: a few hundred events per scenario, a few minutes
 * in all. Prints a markdown table.
 *
 *   npm run bench:faults                (BENCH_FAULTS_CUSTOMERS=20 to change the size)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { generateDataset, SOURCE_NAMES } from '../demo/index.js';
import { DEV_STREAM_NAME, type LocalPipeline, startLocalPipeline } from '../local/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = path.resolve(import.meta.dirname, '..');
const CUSTOMERS = Number(process.env.BENCH_FAULTS_CUSTOMERS ?? 12);

type Event = Record<string, unknown> & { messageId: string };
type LakeFs = NonNullable<NonNullable<Parameters<typeof startLocalPipeline>[0]>['lakeFs']>;

interface Row {
  fault: string;
  acknowledged: number;
  landed: number;
  deadLettered: number;
  duplicated: number;
  lost: number;
  recoverSeconds: number;
  note: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'tl-bench-faults-'));
  dirs.push(d);
  return d;
};

function events(seed: number): Event[] {
  const ds = generateDataset({ customers: CUSTOMERS, seed, now: '2026-11-29T00:00:00Z', invalidRate: 0, duplicateRate: 0 });
  return SOURCE_NAMES.flatMap((s) => ds.sources[s]) as Event[];
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Sends every event in batches of 40, retrying a batch (honouring Retry-After, capped at 2 s) until the
 * collector acknowledges it, as an SDK with a persistent queue does. Returns the acknowledged messageIds.
 */
async function sendAll(url: string, list: readonly Event[], acked = new Set<string>()): Promise<Set<string>> {
  for (let i = 0; i < list.length; i += 40) {
    const batch = list.slice(i, i + 40);
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${url}/v1/import`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from('tl_dev_local_write_key:').toString('base64')}`,
        },
        body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
      }).catch(() => undefined);
      if (res?.ok) {
        const body = (await res.json()) as { rejected?: Array<{ messageId?: string }> };
        const refused = new Set((body.rejected ?? []).map((r) => r.messageId));
        for (const e of batch) if (!refused.has(e.messageId)) acked.add(e.messageId);
        break;
      }
      await res?.body?.cancel();
      if (attempt > 200) throw new Error(`batch ${i} never acknowledged`);
      await sleep(Math.min(2000, Number(res?.headers.get('retry-after') ?? 0.2) * 1000));
    }
  }
  return acked;
}

async function outcome(p: LocalPipeline, acked: Set<string>) {
  const rows = (await p.engine.query<{ message_id: string; n: number }>('SELECT message_id, count(*)::INT AS n FROM events GROUP BY 1'))
    .rows;
  // A dead letter carries the raw record; the messageId is read from it when the row has none.
  const dead = (await p.engine.query<{ message_id: string | null; raw: string | null }>('SELECT message_id, raw FROM failed_events')).rows;
  const deadIds = new Set<string>();
  for (const r of dead) {
    if (r.message_id) deadIds.add(String(r.message_id));
    for (const id of acked) if (r.raw?.includes(id)) deadIds.add(id);
  }
  const landedIds = new Set(rows.map((r) => r.message_id));
  const duplicated = rows.reduce((n, r) => n + (Number(r.n) - 1), 0);
  const lost = [...acked].filter((id) => !landedIds.has(id) && !deadIds.has(id)).length;
  return {
    landed: [...acked].filter((id) => landedIds.has(id)).length,
    deadLettered: [...acked].filter((id) => deadIds.has(id) && !landedIds.has(id)).length,
    duplicated,
    lost,
  };
}

/** Waits for the pipeline to be healthy and everything acknowledged to be in the lake; seconds taken. */
async function recover(p: LocalPipeline, since: number): Promise<number> {
  await until(() => p.health().ok, 'the pipeline to be healthy');
  await p.drain();
  return (Date.now() - since) / 1000;
}

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

/** A lake volume that is full while `full` is set: the commit of each Parquet file fails. */
function fullLake(): { state: { full: boolean }; fs: LakeFs } {
  const state = { full: false };
  const fs = {
    mkdir: fsp.mkdir,
    rm: fsp.rm,
    rename: (async (from, to) => {
      if (state.full) throw enospc();
      return fsp.rename(from, to);
    }) as typeof fsp.rename,
  } as LakeFs;
  return { state, fs };
}

async function inPipeline(
  fault: string,
  seed: number,
  inject: (p: LocalPipeline, phase: 'on' | 'off') => void,
  faultMs: number,
  opts: Parameters<typeof startLocalPipeline>[0] = {},
  note: string | ((p: LocalPipeline) => string) = '',
): Promise<Row> {
  const list = events(seed);
  const p = await startLocalPipeline({ dataDir: tmp(), inMemory: true, log: () => {}, ...opts });
  try {
    const half = Math.floor(list.length / 2);
    const acked = await sendAll(p.url, list.slice(0, half));
    inject(p, 'on');
    const sending = sendAll(p.url, list.slice(half), acked);
    await sleep(faultMs);
    inject(p, 'off');
    const cleared = Date.now();
    await sending;
    const recoverSeconds = await recover(p, cleared);
    const said = typeof note === 'function' ? note(p) : note;
    return { fault, acknowledged: acked.size, ...(await outcome(p, acked)), recoverSeconds, note: said };
  } finally {
    await p.stop().catch((err: Error) => console.error(`${fault}: ${err.message}`));
  }
}

async function sigkill(): Promise<Row> {
  const dir = tmp();
  const list = events(31);
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/index.ts', 'local', '--port', '0', '--data-dir', dir], {
    cwd: root,
    env: { ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise((r) => child.on('exit', r));
  const checkpointFile = path.join(dir, 'checkpoints.json');
  let acked: Set<string>;
  try {
    await until(() => /collector:\s+(http:\/\/\S+)/.test(out), 'the collector');
    const url = /collector:\s+(http:\/\/\S+)/.exec(out)![1]!;
    const half = Math.floor(list.length / 2);
    acked = await sendAll(url, list.slice(0, half));
    await until(() => existsSync(checkpointFile), 'a checkpoint');
    await sendAll(url, list.slice(half), acked);
    child.kill('SIGKILL');
    await exited;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const restarted = Date.now();
  const p = await startLocalPipeline({ dataDir: dir, log: () => {} });
  try {
    const recoverSeconds = await recover(p, restarted);
    return {
      fault: 'SIGKILL of `threadline local` mid-ingest, then restart',
      acknowledged: acked.size,
      ...(await outcome(p, acked)),
      recoverSeconds,
      note: 'time from restart; replays what the checkpoints did not cover',
    };
  } finally {
    await p.stop();
  }
}

/** Records in the stream that are no event envelope at all, between acknowledged events. */
async function poison(): Promise<Row> {
  const list = events(36);
  const p = await startLocalPipeline({ dataDir: tmp(), inMemory: true, log: () => {} });
  const client = new KinesisClient({
    endpoint: p.kinesisEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  try {
    const half = Math.floor(list.length / 2);
    const acked = await sendAll(p.url, list.slice(0, half));
    const garbage = ['{"v":1,"kind":"event"', '\u0000\u00ff not json', '{"v":99,"kind":"event","event":{}}'];
    await client.send(
      new PutRecordsCommand({
        StreamName: DEV_STREAM_NAME,
        Records: garbage.map((g, i) => ({ Data: Buffer.from(g), PartitionKey: `poison-${i}` })),
      }),
    );
    const injected = Date.now();
    await sendAll(p.url, list.slice(half), acked);
    const recoverSeconds = await recover(p, injected);
    const poisoned = Number(
      (await p.engine.query<{ n: number }>(`SELECT count(*) AS n FROM failed_events WHERE stage = 'processor'`)).rows[0]!.n,
    );
    return {
      fault: `poison records: ${garbage.length} records in the stream that are no event envelope`,
      acknowledged: acked.size,
      ...(await outcome(p, acked)),
      recoverSeconds,
      note: `${poisoned} failed_events rows (stage processor, raw kept); the shards never stop; time from the injection to drained`,
    };
  } finally {
    client.destroy();
    await p.stop();
  }
}

async function crashBetweenLakeAndCheckpoint(): Promise<Row> {
  const dir = tmp();
  const list = events(41);
  let p = await startLocalPipeline({ dataDir: dir, log: () => {} });
  const acked = await sendAll(p.url, list);
  await p.drain();
  await p.stop();
  // The state a crash right after the lake writes and before the checkpoint write leaves: rows in the
  // lake, the checkpoint file from before (here: the first one the run wrote, i.e. none at all).
  writeFileSync(path.join(dir, 'checkpoints.json'), '{}');
  const restarted = Date.now();
  p = await startLocalPipeline({ dataDir: dir, log: () => {} });
  try {
    const recoverSeconds = await recover(p, restarted);
    return {
      fault: 'crash between the lake write and the checkpoint write',
      acknowledged: acked.size,
      ...(await outcome(p, acked)),
      recoverSeconds,
      note: 'every batch replayed; duplicates share messageId, events_deduped has each once',
    };
  } finally {
    await p.stop();
  }
}

export async function runFaults(): Promise<Row[]> {
  const rows: Row[] = [];
  const step = async (make: () => Promise<Row>) => {
    const row = await make();
    rows.push(row);
    console.error(`  measured: ${row.fault}`);
  };
  await step(sigkill);
  await step(() =>
    inPipeline(
      'stream store (kinesalite LevelDB) disk full for 3 s during ingest',
      32,
      (p, phase) => (phase === 'on' ? p.faults.kinesisStorage.failWrites() : p.faults.kinesisStorage.clear()),
      3_000,
      {},
      'collector answers 503 + Retry-After while full; clients resend',
    ),
  );
  for (const seconds of [5, 20]) {
    const lake = fullLake();
    await step(() =>
      inPipeline(
        `lake volume full (ENOSPC) for ${seconds} s under a backlog`,
        33 + seconds,
        (_p, phase) => {
          lake.state.full = phase === 'on';
        },
        seconds * 1000,
        { lakeFs: lake.fs },
        'shards stall and retry from their checkpoints; collector sheds load (503) meanwhile',
      ),
    );
  }
  await step(() =>
    inPipeline(
      'Firehose throttling: 2 calls 503 + 200 records ServiceUnavailableException',
      34,
      (p, phase) => {
        if (phase === 'on') {
          p.faults.firehose.failNextCalls(2);
          p.faults.firehose.failNextRecords(200);
        }
      },
      500,
      {},
      'retried by the processor, then by the event source from its checkpoint',
    ),
  );
  await step(() =>
    inPipeline(
      'Kinesis throttling at the collector: 5 PutRecords calls refused whole, then 5 with every other record ProvisionedThroughputExceededException',
      37,
      (p, phase) => {
        if (phase === 'on') {
          p.faults.kinesisThrottle.throttleNextCalls(5, 'PutRecords');
          p.faults.kinesisThrottle.failRecordsOfNextCalls(5);
        } else p.faults.kinesisThrottle.clear();
      },
      2_000,
      {},
      (p) =>
        `${p.faults.kinesisThrottle.stats.calls} calls and ${p.faults.kinesisThrottle.stats.records} records refused; ` +
        'the collector re-sends only the failed records; 2xx only once all are stored',
    ),
  );
  await step(() =>
    inPipeline(
      'DynamoDB throttling: the next 20 identity-store calls refused (ProvisionedThroughputExceededException)',
      38,
      (p, phase) => (phase === 'on' ? p.faults.dynamoThrottle.throttleNextCalls(20) : p.faults.dynamoThrottle.clear()),
      2_000,
      {},
      (p) =>
        `${p.faults.dynamoThrottle.stats.calls} calls refused; ` +
        'SDK retries, then the processor reports the batch items and the shard retries from the failed record',
    ),
  );
  await step(() =>
    inPipeline(
      'identity store (dynalite LevelDB) disk full for 3 s',
      35,
      (p, phase) => (phase === 'on' ? p.faults.dynamoStorage.failWrites() : p.faults.dynamoStorage.clear()),
      3_000,
      {},
      'processor reports the batch items; the shard stalls and retries from the failed record until DynamoDB answers',
    ),
  );
  await step(poison);
  await step(crashBetweenLakeAndCheckpoint);
  return rows;
}

export function toMarkdown(rows: Row[]): string {
  const head =
    '| fault | acknowledged | landed in events | dead-lettered (failed_events) | duplicate rows (same messageId) | lost | time to recover | notes |';
  const sep = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |';
  const body = rows.map(
    (r) =>
      `| ${r.fault} | ${r.acknowledged} | ${r.landed} | ${r.deadLettered} | ${r.duplicated} | ${r.lost} | ${r.recoverSeconds.toFixed(1)} s | ${r.note} |`,
  );
  return [head, sep, ...body].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  runFaults()
    .then((rows) => {
      console.log(toMarkdown(rows));
      console.log(
        `\n${CUSTOMERS} generated customers per scenario; measured ${new Date().toISOString().slice(0, 10)} in ${((Date.now() - started) / 1000).toFixed(0)} s. ` +
          'Time to recover: from the fault cleared (or the restart) until the pipeline is healthy and every acknowledged event is queryable.',
      );
    })
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(() => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
}
