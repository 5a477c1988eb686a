/**
 * CLI start-up: wall time of whole `threadline query` processes (what a user waits for), median of
 * 5 runs each, on a demo lake (`threadline demo --customers 300`, generated once into .bench/):
 *
 *   sources   node --import tsx cli/index.ts ...    (npm run threadline: TypeScript loaded at run time)
 *   bin       node bin/threadline-cli.js ...        (npx threadline: checks the bundle is current, runs it)
 *   bundle    node dist/cli/threadline.mjs ...      (the compiled CLI alone)
 *   baseline  node --import tsx <dir>/cli/index.ts  (only with --baseline <dir>: another tree, e.g. an
 *             older commit extracted with `git archive`, with a node_modules link, for before/after)
 *
 *   npx tsx bench/cli-startup.ts [--baseline <dir>] [--reps 5]
 *   npm run bench -- cli-startup
 *
 * The bundle is rebuilt first (npm run build:cli) so that `bin` runs it rather than the sources.
 * Targets from issue 13: `query "SELECT 1"` under 0.5 s, a view on the demo lake under 1 s.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, '.bench', 'cli-startup');
const dataDir = path.join(benchDir, 'data');
const lakeDir = path.join(dataDir, 'lake');
const CUSTOMERS = 300;

interface Exit {
  code: number | null;
  output: string;
}

function runProcess(args: string[], cwd = root): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(args[0]!, args.slice(1), {
      cwd,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => void (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function wallSeconds(args: string[], reps: number, cwd?: string): Promise<{ median: number; ok: boolean }> {
  const times: number[] = [];
  let ok = true;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const r = await runProcess(args, cwd);
    times.push((performance.now() - t) / 1000);
    ok &&= r.code === 0;
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, ok };
}

export async function run(opts: { baseline?: string; reps?: number; log?: (s: string) => void } = {}) {
  const reps = opts.reps ?? 5;
  const log = opts.log ?? ((s: string) => console.log(s));
  if (!existsSync(path.join(lakeDir, 'events'))) {
    log(`generating the demo lake (${CUSTOMERS} customers) in ${path.relative(root, dataDir)}`);
    const demo = await runProcess([
      process.execPath,
      '--import',
      'tsx',
      'cli/index.ts',
      'demo',
      '--customers',
      String(CUSTOMERS),
      '--out',
      path.join(benchDir, 'demo'),
      '--data-dir',
      dataDir,
    ]);
    if (demo.code !== 0) throw new Error(`demo failed:\n${demo.output}`);
  }
  const built = await runProcess([process.execPath, '--import', 'tsx', 'cli/build.ts']);
  if (built.code !== 0) throw new Error(`build:cli failed:\n${built.output}`);

  const modes: [string, string[], string | undefined][] = [
    ['sources', [process.execPath, '--import', 'tsx', 'cli/index.ts'], undefined],
    ['bin', [process.execPath, 'bin/threadline-cli.js'], undefined],
    ['bundle', [process.execPath, 'dist/cli/threadline.mjs'], undefined],
  ];
  if (opts.baseline) {
    const dir = path.resolve(opts.baseline);
    modes.push(['baseline', [process.execPath, '--import', 'tsx', 'cli/index.ts'], dir]);
  }
  const queries: [string, string[]][] = [
    ['query "SELECT 1"', ['query', 'SELECT 1']],
    ['query sessions --limit 5', ['query', 'sessions', '--limit', '5']],
    ['query attribution_summary', ['query', 'attribution_summary']],
  ];
  const figures: Record<string, number | string> = {};
  const medians: Record<string, number> = {};
  for (const [q, qArgs] of queries) {
    for (const [mode, cmd, cwd] of modes) {
      const r = await wallSeconds([...cmd, ...qArgs, '--lake', lakeDir], reps, cwd);
      const key = `${q}, ${mode}, wall s (median of ${reps})`;
      figures[key] = r.ok ? r.median : `failed (${r.median.toFixed(2)} s)`;
      medians[`${q}|${mode}`] = r.median;
      log(`  ${key.padEnd(64)} ${r.ok ? r.median.toFixed(2) : 'failed'}`);
    }
  }
  const ratios: Record<string, number> = {};
  for (const [q] of queries) {
    ratios[`${q}: sources / bin`] = medians[`${q}|sources`]! / medians[`${q}|bin`]!;
    if (opts.baseline) ratios[`${q}: baseline / bin`] = medians[`${q}|baseline`]! / medians[`${q}|bin`]!;
  }
  return { name: `CLI start-up (demo lake, ${CUSTOMERS} customers)`, ratios, figures };
}

if (process.argv[1] && /bench[\\/]cli-startup\.ts$/.test(process.argv[1])) {
  const args = process.argv.slice(2);
  const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const report = await run({ baseline: at('--baseline'), reps: at('--reps') ? Number(at('--reps')) : undefined });
  console.log(JSON.stringify(report, null, 2));
}
