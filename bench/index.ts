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
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The pinned AWS SDK runs on Node 20; its notice that later releases need Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface BenchReport {
  name?: string;
  ratios?: Record<string, number>;
  figures?: Record<string, number | string>;
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

async function main(): Promise<void> {
  const filter = process.argv.slice(2).filter((a) => !a.startsWith('-'));
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
      for (const r of Array.isArray(out) ? out : out && typeof out === 'object' ? [out] : []) print(file, r as BenchReport);
      console.log(`  (${file} took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failures++;
      console.error(`\n!! ${file} failed: ${(err as Error).stack ?? err}`);
    }
  }
  if (selected.length === 0) console.log('no benchmark matched', filter.join(' '));
  process.exitCode = failures ? 1 : 0;
}

await main();
