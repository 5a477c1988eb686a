/**
 * `npm run bench`: runs every bench/*.ts module that exports `run()` and prints what each reports.
 *
 * Benchmarks report RATIOS (e.g. pipeline events/s over collector-only events/s), not absolute timings
 * to assert on: absolute numbers depend on the machine, ratios travel. A module may print on its own and
 * may return `{ name?, ratios?: Record<string, number>, figures?: Record<string, number | string> }`
 * (or an array of them), which is printed as a table here.
 *
 *   npm run bench                 # all of them
 *   npm run bench -- pipeline     # only modules whose file name contains "pipeline"
 *   npm run bench -- scale        # bench/scale/index.ts (flags there)
 *   npm run bench -- collector-throughput   # collector vs JSON and node:http floors (flags: bench/collector-throughput.ts)
 *   npm run bench -- --quick      # shorter measurements
 *
 * Reports may bring `rows` (stage, measured, floor, ratio, target, met): all of them are printed as
 * one summary table at the end, with the machine, and written to .bench/results.json (git-ignored).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The pinned AWS SDK runs on Node 20; its notice that later releases need Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface BenchReport {
  name?: string;
  ratios?: Record<string, number>;
  figures?: Record<string, number | string>;
  /** Rows for the one summary table printed at the end (and written to .bench/results.json). */
  rows?: SummaryRow[];
}

/** One stage against its floor, measured in the same run. */
export interface SummaryRow {
  stage: string;
  measured: number;
  floor: number;
  /** measured / floor (events/s: higher is better; bytes or ms: lower is better, as the target says). */
  ratio: number;
  /** e.g. ">= 0.5x", "<= 2x"; "-" when none. */
  target: string;
  met?: boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** A module runs here only if it exports run (checked in its source, so scripts are not executed). */
const EXPORTS_RUN = /export\s+(async\s+)?function\s+run\s*\(|export\s+const\s+run\s*=|export\s*\{[^}]*\brun\b[^}]*\}/;

function fmt(v: number | string): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

function print(file: string, report: BenchReport): void {
  console.log(`\n== ${report.name ?? file}`);
  for (const [k, v] of Object.entries(report.ratios ?? {})) console.log(`  ratio   ${k.padEnd(52)} ${fmt(v)}x`);
  for (const [k, v] of Object.entries(report.figures ?? {})) console.log(`  figure  ${k.padEnd(52)} ${fmt(v)}`);
}

function machine(): { cpu: string; cores: number; node: string; platform: string } {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

/** Rows for a report that brings none of its own: one per ratio, no floor figure, no target. */
function rowsOf(report: BenchReport): SummaryRow[] {
  if (report.rows) return report.rows;
  return Object.entries(report.ratios ?? {}).map(([k, v]) => ({
    stage: `${report.name ?? ''}: ${k}`,
    measured: Number.NaN,
    floor: Number.NaN,
    ratio: v,
    target: '-',
  }));
}

export function summaryTable(rows: readonly SummaryRow[]): string {
  const w = Math.min(70, Math.max(5, ...rows.map((r) => r.stage.length)));
  const cell = (v: number) => (Number.isFinite(v) ? fmt(v) : '-');
  const lines = [
    `${'stage'.padEnd(w)} ${'measured'.padStart(10)} ${'floor'.padStart(10)} ${'ratio'.padStart(8)} ${'target'.padStart(9)}  met`,
  ];
  for (const r of rows) {
    const met = r.met === undefined ? '-' : r.met ? 'yes' : 'NO';
    lines.push(
      `${r.stage.slice(0, w).padEnd(w)} ${cell(r.measured).padStart(10)} ${cell(r.floor).padStart(10)} ${`${cell(r.ratio)}x`.padStart(8)} ${r.target.padStart(9)}  ${met}`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  // --quick: shorter measurements (modules read these env settings), for a first look in ~2 minutes.
  if (process.argv.includes('--quick')) {
    process.env.BENCH_COLLECTOR_REPS ??= '2';
    process.env.BENCH_COLLECTOR_MS ??= '400';
    process.env.BENCH_PIPELINE_CUSTOMERS ??= '100';
    process.env.BENCH_QUICK = '1';
  }
  const filter = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const summary: SummaryRow[] = [];
  const reports: Array<{ file: string; report: BenchReport; seconds: number }> = [];
  const failed: string[] = [];
  const entries = await readdir(here, { withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && e.name !== 'index.ts' && !e.name.endsWith('.d.ts'))
    .map((e) => e.name)
    // a bench too big for one file lives in a folder with an index.ts (bench/scale/)
    .concat(entries.filter((e) => e.isDirectory() && existsSync(path.join(here, e.name, 'index.ts'))).map((e) => `${e.name}/index.ts`))
    .sort();
  const selected = files.filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));
  let failures = 0;
  for (const file of selected) {
    const src = await readFile(path.join(here, file), 'utf8');
    if (!EXPORTS_RUN.test(src)) {
      console.log(`\n-- ${file}: no run() export, skipped (run it directly with npx tsx bench/${file})`);
      continue;
    }
    const started = Date.now();
    try {
      const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { run: () => Promise<unknown> | unknown };
      const out = await mod.run();
      const seconds = (Date.now() - started) / 1000;
      for (const r of Array.isArray(out) ? out : out && typeof out === 'object' ? [out] : []) {
        print(file, r as BenchReport);
        summary.push(...rowsOf(r as BenchReport));
        reports.push({ file, report: r as BenchReport, seconds });
      }
      console.log(`  (${file} took ${seconds.toFixed(1)} s)`);
    } catch (err) {
      failures++;
      failed.push(file);
      console.error(`\n!! ${file} failed: ${(err as Error).stack ?? err}`);
    }
  }
  if (selected.length === 0) console.log('no benchmark matched', filter.join(' '));
  const m = machine();
  console.log(`\n== summary: every stage against its floor, measured in this run`);
  console.log(`machine: ${m.cpu}, ${m.cores} cores, node ${m.node}, ${m.platform}`);
  console.log(summaryTable(summary));
  if (failed.length) console.log(`failed: ${failed.join(', ')}`);
  const outDir = path.join(here, '..', '.bench');
  await mkdir(outDir, { recursive: true });
  const outFile = path.join(outDir, 'results.json');
  await writeFile(
    outFile,
    `${JSON.stringify({ at: new Date().toISOString(), machine: m, argv: process.argv.slice(2), rows: summary, failed, reports }, null, 2)}\n`,
  );
  console.log(`written to ${path.relative(process.cwd(), outFile) || outFile}`);
  process.exitCode = failures ? 1 : 0;
}

await main();
