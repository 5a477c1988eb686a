/**
 * Scale benchmark (issue 13): how the views' cost grows with the size of the lake.
 *
 *   npm run bench -- scale                                   # 250 k and 1 M events (default)
 *   npm run bench -- scale --scale-sizes=1m,10m,100m         # or BENCH_SCALE_SIZES=1m,10m,100m
 *   npx tsx bench/scale/index.ts --scale-sizes=1m --scale-views=sessions,journeys
 *
 * Flags (or env): --scale-sizes (BENCH_SCALE_SIZES), --scale-views (BENCH_SCALE_VIEWS, default all),
 * --scale-timeout=<s> per query (BENCH_SCALE_TIMEOUT, default 300), --scale-no-refresh, --scale-no-cli,
 * --scale-dir=<folder> for the generated lakes (BENCH_SCALE_DIR, default .bench/scale; lakes are kept and
 * reused while their parameters match: 100 M events take ~8 GB of disk).
 *
 * For every lake size and every view in the registry, through the DuckDB engine of query/, each in a
 * fresh process (peak RSS is then the query's own): the view over the last 30 days (on the view's date
 * column, queries.ts), the view over the whole table, and beside each the floor (the same lake columns
 * over the same partitions with a plain GROUP BY). Then one day of new data is appended and the
 * whole-table query is timed again ("refresh": with plain views a refresh IS a full recompute; an
 * incremental model must beat it). Times are wall-clock of the query alone; ratios are what to compare.
 * Also the CLI's wall time on a demo-sized lake: `threadline query "SELECT 1"` and one view.
 * Results: printed tables and .bench/scale/results.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDuckDbEngine } from '../../query/index.js';
import { EVENTS_COLUMNS } from '../../schemas/index.js';
import { orderedViews } from '../../sql/index.js';
import type { BenchReport } from '../index.js';
import { addDays, type GeneratedLake, generateLake } from './generate-lake.js';
import type { MeasureResult } from './measure.js';
import { type DayRange, floorQuerySql, floorSpecFromScans, parquetScanColumns, VIEW_DATE_COLUMNS, viewQuerySql } from './queries.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const SEED = 7;
const DAYS = 365;
const START_DATE = '2025-12-01';
/** The demo's default run (1,000 customers) lands about this many events. */
const DEMO_EVENTS = 14_000;

export interface ScaleOptions {
  readonly sizes: number[];
  readonly views: string[] | null;
  readonly timeoutS: number;
  readonly refresh: boolean;
  readonly cli: boolean;
  readonly dir: string;
}

export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmb]?)$/i.exec(s.trim());
  if (!m) throw new RangeError(`size must look like 500k, 1m, 100m or 2000000, got "${s}"`);
  const mult = { '': 1, k: 1e3, m: 1e6, b: 1e9 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'b'];
  return Math.round(Number(m[1]) * mult);
}

export function sizeLabel(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ScaleOptions {
  const flag = (name: string) => {
    const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    return hit === undefined ? undefined : hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : '';
  };
  const sizes = (flag('scale-sizes') || env.BENCH_SCALE_SIZES || '250k,1m').split(',').filter(Boolean).map(parseSize);
  const views = flag('scale-views') || env.BENCH_SCALE_VIEWS;
  const timeoutS = Number(flag('scale-timeout') || env.BENCH_SCALE_TIMEOUT || 300);
  if (!(timeoutS > 0)) throw new RangeError('--scale-timeout must be a positive number of seconds');
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    views: views ? views.split(',').filter(Boolean) : null,
    timeoutS,
    refresh: flag('scale-no-refresh') === undefined,
    cli: flag('scale-no-cli') === undefined,
    dir: path.resolve(flag('scale-dir') || env.BENCH_SCALE_DIR || path.join(repoRoot, '.bench', 'scale')),
  };
}

/** A cell: seconds, or why there is none. */
/** s: the query alone; setupS: opening the engine and creating the views, in the same process. */
export type Cell = { s: number; setupS: number; rssMb: number; rows: number | null } | 'timeout' | 'n/a' | { error: string };

interface ViewRow {
  view: string;
  dateColumn: string | null;
  floorTable: string;
  floorColumns: number;
  last30: Cell;
  floor30: Cell;
  all: Cell;
  floorAll: Cell;
  refresh: Cell;
}

function log(msg: string): void {
  process.stderr.write(`[scale] ${msg}\n`);
}

/** Runs one query in a child process; kills it (by its pid) when it exceeds the timeout. */
function measure(lakeDir: string, sql: string, views: boolean, timeoutS: number): Promise<Cell> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'measure.ts'), JSON.stringify({ lakeDir, sql, views })], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let out = '';
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) return resolve('timeout');
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return resolve({ error: (err.trim().split('\n').pop() ?? `exit ${code}`).slice(0, 200) });
      const r = JSON.parse(line) as MeasureResult;
      resolve({ s: r.queryMs / 1000, setupS: r.setupMs / 1000, rssMb: r.maxRssMb, rows: r.rows });
    });
  });
}

interface LakeMeta {
  readonly events: number;
  readonly seed: number;
  readonly startDate: string;
  readonly days: number;
  readonly generator: string;
}

/** Generates the lake unless the folder already holds one made with the same parameters and generator. */
async function ensureLake(dir: string, events: number): Promise<Pick<GeneratedLake, 'lakeDir' | 'persons' | 'endDate' | 'nextEvent'>> {
  const lakeDir = path.join(dir, `lake-${sizeLabel(events)}-seed${SEED}`);
  const metaFile = path.join(lakeDir, 'generated.json');
  const generator = await readFile(path.join(here, 'generate-lake.ts'), 'utf8');
  const want: LakeMeta = { events, seed: SEED, startDate: START_DATE, days: DAYS, generator: String(hashString(generator)) };
  if (existsSync(metaFile)) {
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as LakeMeta & { result: GeneratedLake };
    if (JSON.stringify({ ...meta, result: undefined }) === JSON.stringify({ ...want, result: undefined })) {
      log(`${sizeLabel(events)}: reusing ${lakeDir}`);
      return meta.result;
    }
  }
  await rm(lakeDir, { recursive: true, force: true });
  const t = performance.now();
  let lastPrint = 0;
  const result = await generateLake({
    lakeDir,
    events,
    seed: SEED,
    startDate: START_DATE,
    days: DAYS,
    onProgress: (done, total) => {
      if (performance.now() - lastPrint > 5000 || done === total) {
        lastPrint = performance.now();
        log(
          `${sizeLabel(events)}: generated ${done.toLocaleString('en')} / ${total.toLocaleString('en')} events (${((performance.now() - t) / 1000).toFixed(0)} s)`,
        );
      }
    },
  });
  await writeFile(metaFile, JSON.stringify({ ...want, result: { ...result, files: [] } }, null, 2));
  return result;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** The floor for each view: which lake columns DuckDB reads for it (EXPLAIN), once per run. */
async function floorSpecs(lakeDir: string, views: readonly string[]) {
  const engine = await createDuckDbEngine({ lakeDir });
  try {
    const out = new Map<string, ReturnType<typeof floorSpecFromScans>>();
    for (const v of views) {
      const res = await engine.query<{ explain_value: string }>(`EXPLAIN (FORMAT json) ${viewQuerySql(v)}`);
      const scans = parquetScanColumns(String(res.rows[0]?.explain_value ?? '[]'));
      out.set(
        v,
        floorSpecFromScans(
          scans,
          EVENTS_COLUMNS.map((c) => c.name),
        ),
      );
    }
    return out;
  } finally {
    await engine.close();
  }
}

async function benchSize(opts: ScaleOptions, events: number, views: readonly string[]): Promise<{ events: number; rows: ViewRow[] }> {
  const label = sizeLabel(events);
  const lake = await ensureLake(opts.dir, events);
  const range: DayRange = { from: addDays(lake.endDate, -29), to: lake.endDate };
  const specs = await floorSpecs(lake.lakeDir, views);
  const rows: ViewRow[] = [];
  const step = async (what: string, lakeDir: string, sql: string, withViews: boolean) => {
    const t = performance.now();
    const cell = await measure(lakeDir, sql, withViews, opts.timeoutS);
    log(`${label}: ${what}: ${fmtCell(cell)} (${((performance.now() - t) / 1000).toFixed(1)} s with process start)`);
    return cell;
  };
  for (const [i, v] of views.entries()) {
    const date = VIEW_DATE_COLUMNS[v] ?? null;
    const spec = specs.get(v)!;
    const n = `[${i + 1}/${views.length}] ${v}`;
    rows.push({
      view: v,
      dateColumn: date?.column ?? null,
      floorTable: spec.table,
      floorColumns: spec.columns.length,
      last30: date ? await step(`${n} 30 days`, lake.lakeDir, viewQuerySql(v, range), true) : 'n/a',
      floor30: date ? await step(`${n} floor 30 days`, lake.lakeDir, floorQuerySql(lake.lakeDir, spec, range), false) : 'n/a',
      all: await step(`${n} whole table`, lake.lakeDir, viewQuerySql(v), true),
      floorAll: await step(`${n} floor whole table`, lake.lakeDir, floorQuerySql(lake.lakeDir, spec), false),
      refresh: 'n/a',
    });
  }
  if (opts.refresh) {
    // One more day arrives (with late events for the three days before it); timed, then taken out again
    // so the cached lake stays as generated.
    const day = addDays(lake.endDate, 1);
    log(`${label}: appending one day (${day}) of new data`);
    const added = await generateLake({
      lakeDir: lake.lakeDir,
      events: Math.max(1, Math.round(events / DAYS)),
      seed: SEED,
      startDate: day,
      days: 1,
      persons: lake.persons,
      firstEvent: lake.nextEvent,
      identityChanges: false,
      lateIntoPastDays: true,
      writtenAt: new Date(Date.parse(`${day}T23:00:00Z`)),
    });
    try {
      for (const [i, v] of views.entries()) {
        rows[i]!.refresh = await step(
          `[${i + 1}/${views.length}] ${v} refresh after one day (full recompute)`,
          lake.lakeDir,
          viewQuerySql(v),
          true,
        );
      }
    } finally {
      await Promise.all(added.files.map((f) => rm(f, { force: true })));
      await rmdir(path.join(lake.lakeDir, 'events', `event_date=${day}`)).catch(() => undefined);
      for (const d of [1, 2].map((k) => addDays(day, k))) {
        await rmdir(path.join(lake.lakeDir, 'events', `event_date=${d}`)).catch(() => undefined);
      }
    }
  }
  return { events, rows };
}

/** Wall time of a whole CLI process (what a user waits for), median of `reps`. */
function cliWall(args: string[], reps = 3): { medianS: number; ok: boolean } {
  const times: number[] = [];
  let ok = true;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    const res = spawnSync(args[0]!, args.slice(1), {
      cwd: repoRoot,
      stdio: 'ignore',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    times.push((performance.now() - t) / 1000);
    ok &&= res.status === 0;
  }
  times.sort((a, b) => a - b);
  return { medianS: times[Math.floor(times.length / 2)]!, ok };
}

async function benchCli(dir: string): Promise<Record<string, number | string>> {
  const lakeDir = path.join(dir, `demo-lake-${DEMO_EVENTS}`);
  if (!existsSync(path.join(lakeDir, 'events'))) {
    log(`generating a demo-sized lake (${DEMO_EVENTS} events) for the CLI timings`);
    await rm(lakeDir, { recursive: true, force: true });
    await generateLake({ lakeDir, events: DEMO_EVENTS, seed: SEED, startDate: '2026-11-09', days: 21 });
  }
  const out: Record<string, number | string> = {};
  const cases: [string, string[]][] = [
    [
      'threadline query "SELECT 1" (node bin/threadline-cli.js)',
      [process.execPath, 'bin/threadline-cli.js', 'query', 'SELECT 1', '--lake', lakeDir],
    ],
    ['npx tsx cli/index.ts query "SELECT 1"', ['npx', 'tsx', 'cli/index.ts', 'query', 'SELECT 1', '--lake', lakeDir]],
    ['threadline query journeys (demo-sized lake)', [process.execPath, 'bin/threadline-cli.js', 'query', 'journeys', '--lake', lakeDir]],
    [
      'threadline query attribution_summary (demo-sized lake)',
      [process.execPath, 'bin/threadline-cli.js', 'query', 'attribution_summary', '--lake', lakeDir],
    ],
    [
      'threadline query channel_handoffs (demo-sized lake)',
      [process.execPath, 'bin/threadline-cli.js', 'query', 'channel_handoffs', '--lake', lakeDir],
    ],
  ];
  for (const [name, args] of cases) {
    log(`CLI: ${name} (median of 3)`);
    const r = cliWall(args);
    out[`${name}, wall s`] = r.ok ? r.medianS : `failed (${r.medianS.toFixed(2)} s)`;
  }
  return out;
}

function fmtCell(c: Cell): string {
  if (c === 'timeout' || c === 'n/a') return c;
  if ('error' in c) return 'error';
  return c.s >= 100 ? c.s.toFixed(0) : c.s >= 10 ? c.s.toFixed(1) : c.s.toFixed(2);
}
function secs(c: Cell): number | null {
  return typeof c === 'object' && 's' in c ? c.s : null;
}
function ratio(a: Cell, b: Cell): string {
  const x = secs(a);
  const y = secs(b);
  return x !== null && y !== null && y > 0 ? `${(x / y).toFixed(1)}x` : '-';
}
function peak(r: ViewRow): number | null {
  const all = [r.last30, r.all, r.refresh].flatMap((c) => (typeof c === 'object' && 'rssMb' in c ? [c.rssMb] : []));
  return all.length ? Math.max(...all) : null;
}

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function printSize(s: { events: number; rows: ViewRow[] }): void {
  console.log(
    `\n-- ${sizeLabel(s.events)} events: seconds (query only, fresh process each), ratio = view / floor; open s = engine start with views (whole-table run)`,
  );
  console.log(
    table(
      ['view', 'date column', 'rows', '30d', 'floor 30d', 'ratio', 'all', 'floor all', 'ratio', 'refresh 1d', 'peak MB', 'open s'],
      s.rows.map((r) => {
        const rowsOf = typeof r.all === 'object' && 'rows' in r.all ? String(r.all.rows ?? '-') : '-';
        const pk = peak(r);
        return [
          r.view,
          r.dateColumn ?? '-',
          rowsOf,
          fmtCell(r.last30),
          fmtCell(r.floor30),
          ratio(r.last30, r.floor30),
          fmtCell(r.all),
          fmtCell(r.floorAll),
          ratio(r.all, r.floorAll),
          fmtCell(r.refresh),
          pk === null ? '-' : pk.toFixed(0),
          typeof r.all === 'object' && 'setupS' in r.all ? r.all.setupS.toFixed(1) : '-',
        ];
      }),
    ),
  );
}

function printGrowth(results: { events: number; rows: ViewRow[] }[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (results.length < 2) return out;
  const small = results[0]!;
  const big = results[results.length - 1]!;
  const name = `${sizeLabel(big.events)}/${sizeLabel(small.events)}`;
  console.log(`\n-- growth ${name} (${(big.events / small.events).toFixed(1)}x the events): ratio of times and of peak memory`);
  const body = small.rows.map((r, i) => {
    const b = big.rows[i]!;
    const g = (x: Cell, y: Cell) => ratio(y, x);
    const pa = peak(r);
    const pb = peak(b);
    const g30 = secs(b.last30) !== null && secs(r.last30) ? secs(b.last30)! / secs(r.last30)! : null;
    if (g30 !== null) out[`${r.view}: 30-day time ${name}`] = g30;
    return [
      r.view,
      g(r.last30, b.last30),
      g(r.floor30, b.floor30),
      g(r.all, b.all),
      g(r.floorAll, b.floorAll),
      g(r.refresh, b.refresh),
      pa && pb ? `${(pb / pa).toFixed(1)}x` : '-',
    ];
  });
  console.log(table(['view', '30d', 'floor 30d', 'all', 'floor all', 'refresh 1d', 'peak MB'], body));
  return out;
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<BenchReport> {
  const opts = parseOptions(argv);
  const all = orderedViews().map((v) => v.name);
  const views = opts.views ?? all;
  const unknown = views.filter((v) => !all.includes(v));
  if (unknown.length) throw new Error(`unknown view(s) ${unknown.join(', ')}; views: ${all.join(', ')}`);
  await mkdir(opts.dir, { recursive: true });
  log(`sizes ${opts.sizes.map(sizeLabel).join(', ')}; ${views.length} views; timeout ${opts.timeoutS} s per query; lakes in ${opts.dir}`);

  const results: { events: number; rows: ViewRow[] }[] = [];
  for (const size of opts.sizes) {
    const r = await benchSize(opts, size, views);
    results.push(r);
    // saved before printing: an hour of measurements must not depend on the formatting code
    await writeFile(path.join(opts.dir, `results-${sizeLabel(size)}.json`), `${JSON.stringify(r, null, 2)}\n`);
    printSize(r);
  }
  const growth = printGrowth(results);
  const cli = opts.cli ? await benchCli(opts.dir) : {};
  const file = path.join(opts.dir, 'results.json');
  await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), options: opts, results, cli }, null, 2)}\n`);
  log(`results written to ${file}`);

  const ratios: Record<string, number> = { ...growth };
  for (const s of results) {
    const worst = Math.max(...s.rows.map((r) => (secs(r.last30) !== null && secs(r.floor30) ? secs(r.last30)! / secs(r.floor30)! : 0)));
    if (worst > 0) ratios[`${sizeLabel(s.events)}: worst 30-day view / floor`] = worst;
  }
  return { name: `scale: views over ${opts.sizes.map(sizeLabel).join(', ')} generated events`, ratios, figures: cli };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await run();
  console.log(JSON.stringify(report, null, 2));
}
