/**
 * The CLI commands' usage errors: each names the problem and the next step, with the documented exit
 * code. Runs the real command modules through commander, without a pipeline.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
