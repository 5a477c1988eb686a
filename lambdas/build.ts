/**
 * `npm run build:lambdas`: bundle the Lambda handlers with esbuild exactly as the CDK app does
 * (lib/bundling.ts: node22, ESM, minified, AWS SDK bundled) into dist/lambdas/<name>/index.mjs and
 * print each bundle's size, raw and gzipped (Lambda's zip), plus the largest inputs so that a
 * dependency that bloats cold starts is visible.
 *
 *   npm run build:lambdas                 # collector + processor + views-deployer
 *   npm run build:lambdas -- collector    # just one
 *   npm run build:lambdas -- --json       # machine-readable sizes
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { entryPath, LAMBDA_ENTRIES, LAMBDA_ESBUILD_OPTIONS, type LambdaName, PROJECT_ROOT } from './bundling.js';

export interface BundleReport {
  name: LambdaName;
  entry: string;
  outfile: string;
  bytes: number;
  gzipBytes: number;
  /** Biggest contributors by package (node_modules/<pkg>) or project folder. */
  top: { input: string; bytes: number }[];
}

function groupOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (m) return m[1]!;
  return input.split('/').slice(0, 2).join('/');
}

export async function bundleLambda(name: LambdaName, outRoot = join(PROJECT_ROOT, 'dist', 'lambdas')): Promise<BundleReport> {
  const outfile = join(outRoot, name, 'index.mjs');
  mkdirSync(join(outRoot, name), { recursive: true });
  const result = await build({
    entryPoints: [entryPath(name)],
    outfile,
    ...LAMBDA_ESBUILD_OPTIONS,
    metafile: true,
    logLevel: 'warning',
  });
  const code = readFileSync(outfile);
  const meta = result.metafile as Metafile;
  const output = Object.values(meta.outputs)[0]!;
  const groups = new Map<string, number>();
  for (const [input, info] of Object.entries(output.inputs))
    groups.set(groupOf(input), (groups.get(groupOf(input)) ?? 0) + info.bytesInOutput);
  writeFileSync(join(outRoot, name, 'meta.json'), JSON.stringify(meta));
  return {
    name,
    entry: LAMBDA_ENTRIES[name],
    outfile: relative(PROJECT_ROOT, outfile),
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    top: [...groups]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([input, bytes]) => ({ input, bytes })),
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const names = args.filter((a) => !a.startsWith('--')) as LambdaName[];
  const all = Object.keys(LAMBDA_ENTRIES) as LambdaName[];
  for (const n of names) if (!all.includes(n)) throw new Error(`unknown lambda "${n}" (${all.join(', ')})`);
  const reports: BundleReport[] = [];
  for (const name of names.length > 0 ? names : all) reports.push(await bundleLambda(name));
  if (json) {
    console.log(JSON.stringify(reports, null, 2));
    return;
  }
  console.log('Lambda bundles (esbuild, node22, ESM, minified, AWS SDK included):');
  for (const r of reports) {
    console.log(`  ${r.name.padEnd(14)} ${kb(r.bytes).padStart(10)}  (gzip ${kb(r.gzipBytes)})  ${r.outfile}`);
    console.log(`  ${''.padEnd(14)} largest: ${r.top.map((t) => `${t.input} ${kb(t.bytes)}`).join(', ')}`);
  }
}

if (process.argv[1] && /lambdas[\\/]build\.ts$/.test(process.argv[1])) {
  main().catch((err) => {
    console.error(`build:lambdas: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
