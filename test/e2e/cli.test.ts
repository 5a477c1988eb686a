/**
 * The CLI commands' usage errors: each names the problem and the next step, with the documented exit
 * code. Runs the real command modules through commander, without a pipeline.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultReportPath } from '../../cli/commands/report.js';
import { startLocalPipeline } from '../../local/index.js';
import { run } from './cli-helper.js';

afterEach(() => {
  process.exitCode = 0;
});

const empty = mkdtempSync(path.join(tmpdir(), 'threadline-cli-'));

describe('threadline CLI errors a user can act on', () => {
  it('query without a lake says how to make one (exit 3)', async () => {
    const r = await run(['query', 'journeys', '--lake', path.join(empty, 'nope')]);
    expect(r.exitCode).toBe(3);
    expect(r.error).toMatch(/no lake at .*nope.*npx threadline demo.*npx threadline local/);
  });

  it('query of an unknown view lists the known ones (exit 2)', async () => {
    const r = await run(['query', 'jounreys', '--lake', empty]);
    expect(r.exitCode).toBe(2);
    expect(r.error).toMatch(/unknown view or table "jounreys"; known: .*journeys/);
  });

  it('query with a bad format or engine (exit 2)', async () => {
    expect((await run(['query', 'journeys', '--format', 'xml'])).error).toMatch(/--format must be one of table, json, csv/);
    const r = await run(['query', 'SELECT 1', '--engine', 'bigquery']);
    expect(r.exitCode).toBe(2);
    expect(r.error).toMatch(/--engine must be local or athena/);
  });

  it('athena without workgroup and database says where to find them (exit 2)', async () => {
    const saved = { ...process.env };
    delete process.env.THREADLINE_ATHENA_WORKGROUP;
    delete process.env.THREADLINE_ATHENA_DATABASE;
    const r = await run(['query', 'journeys', '--engine', 'athena']);
    process.env = saved;
    expect(r.exitCode).toBe(2);
    expect(r.error).toMatch(/--workgroup and --database/);
  });

  it('funnel: bad window, and the SQL it would run', async () => {
    const bad = await run(['funnel', '--steps', 'A,B', '--window', 'a week']);
    expect(bad.exitCode).toBe(2);
    expect(bad.error).toMatch(/bad duration "a week": use e.g. 7d/);
    const sql = await run(['funnel', '--steps', 'Product Viewed, Order Completed', '--window', '2d', '--strict', '--show-sql']);
    expect(sql.exitCode).toBe(0);
    expect(sql.out).toContain("'Product Viewed'");
    expect(sql.out).toContain("'Order Completed'");
    expect(sql.out).toMatch(/172800|INTERVAL '2' DAY|INTERVAL '48' HOUR/); // the 2-day window
  });

  it('send: missing url or key, unreadable or empty file (exit 2)', async () => {
    const saved = { url: process.env.THREADLINE_URL, key: process.env.THREADLINE_WRITE_KEY };
    delete process.env.THREADLINE_URL;
    delete process.env.THREADLINE_WRITE_KEY;
    const file = path.join(empty, 'e.ndjson');
    writeFileSync(file, '\n\n');
    expect((await run(['send', file])).error).toMatch(/missing --url/);
    expect((await run(['send', file, '--url', 'http://127.0.0.1:1'])).error).toMatch(/missing --write-key.*threadline local/);
    const gone = await run(['send', path.join(empty, 'missing.ndjson'), '--url', 'http://127.0.0.1:1', '--write-key', 'k']);
    expect(gone.exitCode).toBe(2);
    expect(gone.error).toMatch(/cannot read .*ENOENT/);
    expect((await run(['send', file, '--url', 'http://127.0.0.1:1', '--write-key', 'k'])).error).toMatch(/holds no events/);
    expect((await run(['send', file, '--url', 'not a url', '--write-key', 'k'])).error).toMatch(/is not a URL/);
    if (saved.url) process.env.THREADLINE_URL = saved.url;
    if (saved.key) process.env.THREADLINE_WRITE_KEY = saved.key;
  });

  it('report without a lake (exit 3)', async () => {
    const r = await run(['report', '--lake', path.join(empty, 'none'), '--out', path.join(empty, 'r.html')]);
    expect(r.exitCode).toBe(3);
  });
});

describe('threadline send: what was not sent is counted, and the exit code says so', () => {
  it('help names the port and key `threadline local` really uses', async () => {
    const r = await run(['send', '--help']);
    expect(r.help).toContain('--url http://127.0.0.1:8787 --write-key tl_dev_local_write_key');
    expect(r.help).toMatch(/5 some lines skipped/);
  });

  it('skips malformed and out-of-range lines, sends the rest in time order, exits 5 with counts by reason', async () => {
    const pipeline = await startLocalPipeline({ inMemory: true, dataDir: path.join(empty, 'send-pipeline') });
    try {
      const file = path.join(empty, 'mixed.ndjson');
      const ev = (id: string, ts: string) =>
        JSON.stringify({ type: 'track', event: 'Viewed', userId: 'u-send', messageId: id, timestamp: ts });
      writeFileSync(
        file,
        [
          ev('s-3', '2026-11-20T10:00:00.000Z'),
          '{"type":"track", oops',
          ev('s-1', '2026-11-18T10:00:00.000Z'),
          '["not","an","event"]',
          ev('s-old', '2023-06-01T00:00:00.000Z'), // before the lake's earliest date
          ev('s-2', '2026-11-19T10:00:00.000Z'),
        ].join('\n'),
      );
      const r = await run([
        'send',
        file,
        '--url',
        pipeline.url,
        '--write-key',
        pipeline.writeKey,
        '--import',
        '--batch-size',
        '1',
        '--concurrency',
        '1',
      ]);
      expect(r.exitCode).toBe(5);
      expect(r.out).toContain(
        'sent 3 events in 3 requests (0 retries): 3 accepted, 0 rejected, 0 undelivered, 3 lines skipped before sending',
      );
      expect(r.out).toContain('skipped invalid_json: 1');
      expect(r.out).toContain('skipped not_an_object: 1');
      expect(r.out).toContain('skipped timestamp_out_of_range: 1');
      expect(r.err).toMatch(/mixed\.ndjson:2: skipped \(invalid_json\)/);
      await pipeline.drain();
      // one event per request, so the lake's receive order is the send order
      const rows = await pipeline.engine.query<{ message_id: string }>('SELECT message_id FROM events ORDER BY received_at, message_id');
      expect(rows.rows.map((x) => x.message_id)).toEqual(['s-1', 's-2', 's-3']);

      const json = await run(['send', file, '--url', pipeline.url, '--write-key', pipeline.writeKey, '--import', '--json']);
      expect(json.exitCode).toBe(5);
      expect(JSON.parse(json.out).skipped).toEqual({
        total: 3,
        byReason: { invalid_json: 1, not_an_object: 1, timestamp_out_of_range: 1 },
        lines: [2, 4, 5],
      });
    } finally {
      await pipeline.stop();
    }
  });
});

describe('threadline keys without --local and without AWS credentials', () => {
  it('says to configure credentials or use --local (exit 1), not just the SDK message', async () => {
    const saved = { ...process.env };
    for (const k of Object.keys(process.env))
      if (k.startsWith('AWS_') && k !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED') delete process.env[k];
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_SHARED_CREDENTIALS_FILE: path.join(empty, 'no-credentials'),
      AWS_CONFIG_FILE: path.join(empty, 'no-config'),
      AWS_EC2_METADATA_DISABLED: 'true', // no instance-metadata probe: fails at once, offline
    });
    try {
      const r = await run(['keys', 'add', '--name', 'web', '--stage', 'dev']);
      expect(r.exitCode).toBe(1);
      expect(r.error).toMatch(/^no AWS credentials for SSM \(\/threadline\/dev\/sources\): configure them .* or use --local/);
    } finally {
      process.env = saved;
    }
  });
});

describe('threadline report and attribution_results', () => {
  it('report writes under the data folder by default, where git ignores it', async () => {
    const data = path.join(empty, 'report-data');
    const lake = path.join(data, 'lake');
    mkdirSync(path.join(lake, 'events'), { recursive: true });
    const r = await run(['report', '--lake', lake]);
    expect(r.exitCode, r.error).toBe(0);
    const out = path.join(data, 'reports', 'threadline-report.html');
    expect(r.out).toBe(`report written: ${out}`);
    expect(existsSync(out)).toBe(true);
    expect(defaultReportPath('.threadline/lake')).toBe(path.resolve('.threadline/reports/threadline-report.html'));
    const ignored = spawnSync('git', ['check-ignore', '.threadline/reports/threadline-report.html', 'threadline-report.html'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      encoding: 'utf8',
    });
    expect(ignored.stdout.trim().split('\n'), ignored.stderr).toEqual([
      '.threadline/reports/threadline-report.html',
      'threadline-report.html',
    ]);
  });

  it('`query attribution_results` reads what `attribution --save` wrote (and is empty before)', async () => {
    const lake = path.join(empty, 'results-lake');
    mkdirSync(path.join(lake, 'events'), { recursive: true });
    const before = await run(['query', 'attribution_results', '--lake', lake, '--format', 'json']);
    expect(before.exitCode, before.error).toBe(0);
    expect(JSON.parse(before.out)).toEqual([]);

    const paths = path.join(empty, 'paths.csv');
    // hand-computed: linear splits each converting path's conversion equally over its touches
    writeFileSync(paths, 'path;total_conversions;total_conversion_value;total_null\nemail > search;2;30;1\nsearch;1;10;3\n');
    const saved = await run(['attribution', '--paths', paths, '--model', 'linear', '--save', '--lake', lake]);
    expect(saved.exitCode, saved.error).toBe(0);
    expect(saved.err).toContain(`query them: threadline query attribution_results --lake ${lake}`);
    const after = await run([
      'query',
      'SELECT model, channel, conversions, value, run_date FROM attribution_results ORDER BY channel',
      '--lake',
      lake,
      '--format',
      'json',
    ]);
    expect(after.exitCode, after.error).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect(JSON.parse(after.out)).toEqual([
      { model: 'linear', channel: 'email', conversions: 1, value: 15, run_date: today },
      { model: 'linear', channel: 'search', conversions: 2, value: 25, run_date: today },
    ]);
    const byName = await run(['query', 'attribution_results', '--lake', lake, '--format', 'json']);
    expect(JSON.parse(byName.out)).toHaveLength(2);
  });
});
