/**
 * Nothing lost, end to end: Firehose refusing records (per-record ServiceUnavailableException, whole
 * calls failing) while events stream in, and a `threadline local` process killed with SIGKILL right
 * after the collector acknowledged events. Every acknowledged event must reach the lake.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sendEvents } from '../../demo/client/batch-sender.js';
import { generateDataset, SOURCE_NAMES } from '../../demo/generator/index.js';
import { startLocalPipeline } from '../../local/pipeline.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const root = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'threadline-faults-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

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
  }, 60_000);

  it('a local pipeline killed with SIGKILL after acknowledging events loses none of them', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/index.ts', 'local', '--port', '0', '--data-dir', dir], {
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const ds = generateDataset({ customers: 10, seed: 6, now: '2026-11-29T00:00:00Z', invalidRate: 0, duplicateRate: 0 });
    const events = SOURCE_NAMES.flatMap((s) => ds.sources[s]);
    try {
      const deadline = Date.now() + 30_000;
      while (!/collector:\s+(http:\/\/\S+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const url = /collector:\s+(http:\/\/\S+)/.exec(out)![1]!;
      const r = await sendEvents(events, { url, writeKey: 'tl_dev_local_write_key', batchSize: 40 });
      expect(r.accepted).toBe(events.length);
      // Let the poller process and checkpoint them (the lake writer's own timer is 5 s), then kill hard:
      // no clean shutdown, so whatever is only in memory dies with the process.
      await new Promise((r) => setTimeout(r, 1500));
      child.kill('SIGKILL');
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    // Restart on the same folder: the stream (kinesalite on disk) still holds what was acknowledged,
    // and the poller resumes from its last checkpoint, so everything not yet in Parquet is processed again.
    const pipeline = await startLocalPipeline({ dataDir: dir });
    try {
      await pipeline.drain();
      const rows = (await pipeline.engine.query<{ message_id: string }>(`SELECT DISTINCT message_id FROM events`)).rows;
      const landed = new Set(rows.map((x) => x.message_id));
      expect(events.filter((e) => !landed.has(e.messageId)).map((e) => e.messageId)).toEqual([]);
    } finally {
      await pipeline.stop();
    }
  }, 90_000);
});
