/**
 * Lambda bundle sizes and cold-start import time, against floors built the same way in the same run:
 *   - each handler (LAMBDA_ENTRIES, the entry points lib/ hands to NodejsFunction) bundled with the
 *     CDK's esbuild settings (LAMBDA_BUNDLE: node22, ESM, minified, AWS SDK bundled);
 *   - floor: a bundle of only the AWS SDK clients that handler needs (what no Threadline code can avoid
 *     shipping), so the ratio is the size and import time Threadline's own code and other
 *     dependencies add;
 *   - cold start: a fresh `node` importing the bundle (median of 5), vs the floor bundle the same way.
 *
 *   npm run bench -- lambda-bundles
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { entryPath, LAMBDA_ENTRIES, LAMBDA_ESBUILD_OPTIONS, type LambdaName, PROJECT_ROOT } from '../lambdas/index.js';
import type { BenchReport, SummaryRow } from './index.js';

/** The SDK clients each handler imports (its floor). */
const FLOOR_IMPORTS: Record<LambdaName, string> = {
  collector: "export { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';",
  processor: [
    "export { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "export { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';",
  ].join('\n'),
  viewsDeployer: "export { AthenaClient, StartQueryExecutionCommand } from '@aws-sdk/client-athena';",
  modelsRefresh: [
    "export { AthenaClient, StartQueryExecutionCommand } from '@aws-sdk/client-athena';",
    "export { SSMClient, GetParameterCommand } from '@aws-sdk/client-ssm';",
  ].join('\n'),
};

/** `entry`: a file, or `{ contents }` (resolved from the project root, like a file there). */
async function bundle(entry: string | { contents: string }, outfile: string): Promise<number> {
  await build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: PROJECT_ROOT, loader: 'js' as const } }),
    outfile,
    ...LAMBDA_ESBUILD_OPTIONS,
    absWorkingDir: PROJECT_ROOT,
    logLevel: 'error',
  });
  return readFileSync(outfile).length;
}

/** Median wall time of a fresh node importing `file`, minus nothing (node's own start is in both sides). */
function importMs(file: string, runs = 5): number {
  const code = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t))`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    if (r.status !== 0) throw new Error(`importing ${file} failed: ${r.stderr}`);
    times.push(Number(r.stdout));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function run(): Promise<BenchReport> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-bench-bundles-'));
  const rows: SummaryRow[] = [];
  const figures: Record<string, number> = {};
  try {
    for (const name of Object.keys(LAMBDA_ENTRIES) as LambdaName[]) {
      const out = path.join(dir, `${name}.mjs`);
      const floorOut = path.join(dir, `${name}-floor.mjs`);
      const bytes = await bundle(entryPath(name), out);
      const floorBytes = await bundle({ contents: FLOOR_IMPORTS[name] }, floorOut);
      const ms = importMs(out);
      const floorMs = importMs(floorOut);
      figures[`${name} bundle KB`] = bytes / 1024;
      figures[`${name} import ms`] = ms;
      // Targets: Threadline's own code and dependencies at most double what the SDK clients weigh.
      rows.push({
        stage: `${name} Lambda bundle size (KB)`,
        measured: bytes / 1024,
        floor: floorBytes / 1024,
        ratio: bytes / floorBytes,
        target: '<= 2x',
        met: bytes / floorBytes <= 2,
      });
      rows.push({
        stage: `${name} cold-start import (ms)`,
        measured: ms,
        floor: floorMs,
        ratio: ms / floorMs,
        target: '<= 2x',
        met: ms / floorMs <= 2,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { name: 'Lambda bundles vs SDK-only bundles', figures, rows };
}
