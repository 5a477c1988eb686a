/**
 * `threadline local` as a user runs it: a child process, an event posted with curl-like HTTP, then
 * Ctrl-C (SIGINT). The process must exit 0 after flushing, and the event must be in the lake, without
 * waiting for the lake writer's timer (the flush on shutdown is what put it there).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../query/duckdb.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'threadline-local-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('threadline local', () => {
  it('prints the URL and dev key, accepts events, and shuts down cleanly on SIGINT with the event in the lake', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/index.ts', 'local', '--port', '0', '--data-dir', dir], {
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!/collector:\s+(http:\/\/\S+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const url = /collector:\s+(http:\/\/\S+)/.exec(out)?.[1];
      const key = /write key:\s+(\S+)/.exec(out)?.[1];
      expect(url, out).toBeDefined();
      expect(key).toBe('tl_dev_local_write_key');
      const res = await fetch(`${url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
        body: JSON.stringify({ userId: 'u-sigint', event: 'Before Ctrl-C', messageId: 'sigint-1', timestamp: '2026-11-28T10:00:00.000Z' }),
      });
      expect(res.status).toBe(200);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(out).toMatch(/stopped cleanly/);
    const engine = await createDuckDbEngine({ lakeDir: path.join(dir, 'lake') });
    try {
      const rows = (await engine.query<{ event_name: string }>(`SELECT event_name FROM events WHERE message_id = 'sigint-1'`)).rows;
      expect(rows).toEqual([{ event_name: 'Before Ctrl-C' }]);
    } finally {
      await engine.close();
    }
  }, 60_000);
});
