/**
 * Nothing lost, end to end: Firehose refusing records (per-record ServiceUnavailableException, whole
 * calls failing) while events stream in, the lake volume full under a backlog, and a `threadline local`
 * process killed with SIGKILL while its checkpoints cover some but not all acknowledged records. Every
 * acknowledged event must reach the lake, duplicated at most by messageId.
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sendEvents } from '../../demo/client/batch-sender.js';
import { generateDataset, SOURCE_NAMES } from '../../demo/generator/index.js';
import { DEV_STREAM_NAME } from '../../local/collector-server.js';
import { startLocalKinesis } from '../../local/kinesis.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const root = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'threadline-faults-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One POST /v1/import of `batch`; the messageIds the collector acknowledged (2xx), and the response. */
async function post(url: string, writeKey: string, batch: readonly { messageId: string }[]) {
  const res = await fetch(`${url}/v1/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
    body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
  });
  const body = (await res.json()) as { code?: string; reasons?: string[]; rejected?: Array<{ messageId?: string }> };
  const refused = new Set((body.rejected ?? []).map((r) => r.messageId));
  const acked = res.ok ? batch.map((e) => e.messageId).filter((id) => !refused.has(id)) : [];
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body, acked };
}

const landedIds = async (p: LocalPipeline) =>
  (await p.engine.query<{ message_id: string; n: number }>('SELECT message_id, count(*)::INT AS n FROM events GROUP BY 1')).rows;
const count = async (p: LocalPipeline, sql: string) => Number((await p.engine.query<{ n: number }>(sql)).rows[0]!.n);
const tmpFiles = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).filter((f) => String(f).endsWith('.tmp'));

describe('at-least-once through the whole pipeline', () => {
  it('Firehose partial and total failures are retried: every accepted event lands', async () => {
    const ds = generateDataset({ customers: 12, seed: 5, now: '2026-11-29T00:00:00Z', invalidRate: 0 });
    const events = SOURCE_NAMES.flatMap((s) => ds.sources[s]);
    const pipeline = await startLocalPipeline({ dataDir: tmp(), inMemory: true });
    try {
      pipeline.faults.firehose.failNextRecords(40); // inside 200 responses, as Firehose does
      pipeline.faults.firehose.failNextCalls(2); // 503 ServiceUnavailableException
      const r = await sendEvents(events, { url: pipeline.url, writeKey: pipeline.writeKey, batchSize: 50 });
      expect(r.accepted).toBe(events.length);
      await pipeline.drain();
      const q = async (sql: string) => Number((await pipeline.engine.query<{ n: number }>(sql)).rows[0]!.n);
      expect(await q('SELECT count(DISTINCT message_id) AS n FROM events')).toBe(ds.truth.stats.uniqueEvents);
      expect(await q(`SELECT count(*) AS n FROM failed_events`)).toBe(0);
      expect(pipeline.stats().firehose.recordsFailed).toBeGreaterThanOrEqual(40);
    } finally {
      await pipeline.stop();
    }
  });

  it('lake volume full under a backlog: the shards stall, the collector sheds load, and it recovers by itself with nothing lost', async () => {
    const ds = generateDataset({ customers: 30, seed: 8, now: '2026-11-29T00:00:00Z', invalidRate: 0, duplicateRate: 0 });
    const events = SOURCE_NAMES.flatMap((s) => ds.sources[s]);
    // The volume holding the lake is full: the commit of each Parquet file fails as a full disk does.
    const disk = { full: true, refusals: 0 };
    // Parquet writes are serial: when one is refused, the temporary files of those refused before must be gone.
    const refusedTmp: string[] = [];
    const leftovers: string[] = [];
    const lakeFs = {
      mkdir: fsp.mkdir,
      rm: fsp.rm,
      rename: (async (from, to) => {
        if (disk.full) {
          disk.refusals++;
          leftovers.push(...refusedTmp.filter((f) => existsSync(f)));
          refusedTmp.push(String(from));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
        }
        return fsp.rename(from, to);
      }) as typeof fsp.rename,
    };
    const logs: string[] = [];
    const pipeline = await startLocalPipeline({ dataDir: tmp(), inMemory: true, lakeFs, recentLakeErrorMs: 200, log: (l) => logs.push(l) });
    try {
      const acked = new Set<string>();
      const shed: (typeof events)[number][] = [];
      let sawShedding = false;
      for (let i = 0; i < events.length; i += 50) {
        const batch = events.slice(i, i + 50);
        const r = await post(pipeline.url, pipeline.writeKey, batch);
        for (const id of r.acked) acked.add(id);
        if (r.status === 503) {
          sawShedding = true;
          expect(Number(r.retryAfter)).toBeGreaterThan(0);
          expect(r.body.code).toBe('pipeline_unavailable');
          shed.push(...batch);
        } else expect(r.status).toBe(200);
        // Once the first batches hit the full disk, the pipeline reports it and the collector refuses.
        if (i === 0) await until(() => pipeline.health().shards.some((sh) => sh.state === 'stalled'), 'a shard to stall');
      }
      expect(sawShedding).toBe(true);
      expect(acked.size).toBeGreaterThan(0);
      const h = pipeline.health();
      expect(h.ok).toBe(false);
      expect(h.reasons.join('\n')).toMatch(/stalled .*ENOSPC/);
      expect(h.lake).toMatchObject({ failing: true, lastError: { code: 'ENOSPC' } });
      const health = await fetch(`${pipeline.url}/health`);
      expect(health.status).toBe(503);
      // Nothing was dead-lettered, no shard loop died, no temporary file holds the space.
      expect(pipeline.stats().poller.recordsToOnFailure).toBe(0);
      expect(pipeline.health().shards.every((s) => s.state !== 'stopped')).toBe(true);
      // One line per shard for the stall, not one per attempt.
      await until(() => disk.refusals >= 6, 'several attempts on the full disk');
      expect(leftovers).toEqual([]);
      expect(logs.filter((l) => l.includes('stalled')).length).toBeLessThanOrEqual(2 * 2);

      disk.full = false; // space is freed: no restart, the pipeline resumes by itself
      await until(() => pipeline.health().ok, 'the pipeline to recover');
      expect(logs.some((l) => l.includes('resumed after'))).toBe(true);
      // What was shed is sent again, as a client honouring Retry-After does.
      const again = await sendEvents(shed, { url: pipeline.url, writeKey: pipeline.writeKey, batchSize: 50 });
      expect(again.accepted).toBe(shed.length);
      for (const e of shed) acked.add(e.messageId);
      await pipeline.drain();
      const landed = await landedIds(pipeline);
      expect(new Set(landed.map((r) => r.message_id))).toEqual(acked);
      expect(acked.size).toBe(events.length);
      expect(await count(pipeline, 'SELECT count(*) AS n FROM failed_events')).toBe(0);
      expect(await count(pipeline, 'SELECT count(DISTINCT message_id) AS n FROM events_deduped')).toBe(events.length);
      expect(await count(pipeline, 'SELECT count(*) AS n FROM events_deduped')).toBe(events.length);
      expect(tmpFiles(pipeline.lakeDir)).toEqual([]);
    } finally {
      disk.full = false;
      await pipeline.stop();
    }
  });

  it('stop() with the lake still full says what is not written and where each shard resumes, instead of "stopped cleanly"', async () => {
    const lakeFs = {
      mkdir: fsp.mkdir,
      rm: fsp.rm,
      rename: (async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      }) as unknown as typeof fsp.rename,
    };
    const pipeline = await startLocalPipeline({ dataDir: tmp(), inMemory: true, lakeFs, stopTimeoutMs: 300, log: () => {} });
    const ds = generateDataset({ customers: 2, seed: 9, now: '2026-11-29T00:00:00Z', invalidRate: 0, duplicateRate: 0 });
    const r = await post(pipeline.url, pipeline.writeKey, SOURCE_NAMES.flatMap((s) => ds.sources[s]).slice(0, 20));
    expect(r.status).toBe(200);
    await until(() => pipeline.health().shards.some((s) => s.state === 'stalled'), 'a shard to stall');
    const err = await pipeline.stop().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(
      /^stopped with unfinished work: drain: kinesis-poller: drain timed out; not caught up: shardId-\d+ stalled/,
    );
    expect(err?.message).toMatch(/ENOSPC: no space left on device/);
    expect(err?.message).toMatch(/\d+ records \(\d+ bytes\) the lake could not write are not in it/);
    expect(err?.message).toMatch(
      /shard shardId-000000000000 (stalled|stopped|idle).*resumes (after sequence \d+|from the start of the shard)/,
    );
  });

  it('a local pipeline killed with SIGKILL while its checkpoints cover some but not all acknowledged records loses none', async () => {
    const dir = tmp();
    const checkpointFile = path.join(dir, 'checkpoints.json');
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/index.ts', 'local', '--port', '0', '--data-dir', dir], {
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const ds = generateDataset({ customers: 20, seed: 6, now: '2026-11-29T00:00:00Z', invalidRate: 0, duplicateRate: 0 });
    const events = SOURCE_NAMES.flatMap((s) => ds.sources[s]);
    const half = Math.floor(events.length / 2);
    const acked = new Set<string>();
    try {
      await until(() => /collector:\s+(http:\/\/\S+)/.test(out), 'the collector to listen');
      const url = /collector:\s+(http:\/\/\S+)/.exec(out)![1]!;
      for (let i = 0; i < half; i += 40)
        for (const id of (await post(url, 'tl_dev_local_write_key', events.slice(i, i + 40))).acked) acked.add(id);
      // Some records are processed and checkpointed ...
      await until(
        () => existsSync(checkpointFile) && Object.keys(JSON.parse(readFileSync(checkpointFile, 'utf8'))).length > 0,
        'a checkpoint',
      );
      // ... and more are acknowledged right before the kill, so the checkpoints cannot cover them all.
      for (let i = half; i < events.length; i += 40)
        for (const id of (await post(url, 'tl_dev_local_write_key', events.slice(i, i + 40))).acked) acked.add(id);
      child.kill('SIGKILL');
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(acked.size).toBe(events.length);

    // The state the kill left: a checkpoint per shard that covers some of the stream and not all of it.
    const checkpoints = JSON.parse(readFileSync(checkpointFile, 'utf8')) as Record<string, string>;
    const stream = await startLocalKinesis({ path: path.join(dir, 'kinesis') });
    let covered = 0;
    let uncovered = 0;
    try {
      for (const r of await stream.readAll(DEV_STREAM_NAME)) {
        const cp = checkpoints[r.shardId];
        if (cp !== undefined && BigInt(r.sequenceNumber) <= BigInt(cp)) covered++;
        else uncovered++;
      }
    } finally {
      await stream.close();
    }
    expect(covered).toBeGreaterThan(0);
    expect(uncovered).toBeGreaterThan(0);

    // Restart on the same folder: the poller resumes after its checkpoints and processes the rest.
    const pipeline = await startLocalPipeline({ dataDir: dir });
    try {
      await pipeline.drain();
      const landed = await landedIds(pipeline);
      expect(new Set(landed.map((r) => r.message_id))).toEqual(acked);
      // A record processed but not checkpointed is processed again: the only duplicates are such
      // replays, which share their messageId, and the deduplicated view has each event once.
      expect(await count(pipeline, 'SELECT count(*) AS n FROM events_deduped')).toBe(acked.size);
      expect(await count(pipeline, 'SELECT count(*) AS n FROM failed_events')).toBe(0);
    } finally {
      await pipeline.stop();
    }
  });
});
