/**
 * Opening a query engine for the CLI (query, funnel, report): the local lake through DuckDB, or Athena.
 * Errors say what to do next.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_DEMO_OUT, LAST_DEMO_LAKE_FILE } from '../demo/index.js';
import { DEFAULT_LAKE_DIR } from '../local/index.js';
import type { QueryEngine } from '../query/index.js';
import { EXIT, UserError } from './errors.js';

export function checkLake(lakeDir: string): void {
  const hasTable =
    existsSync(lakeDir) &&
    readdirSync(lakeDir).some((d) => ['events', 'identity_changes', 'failed_events', 'attribution_results'].includes(d));
  if (!hasTable) {
    // Asked for the default lake right after a demo (which keeps its data in a temp folder): point there
    let demoLake: string | undefined;
    try {
      demoLake = readFileSync(path.join(DEFAULT_DEMO_OUT, LAST_DEMO_LAKE_FILE), 'utf8').trim();
    } catch {
      demoLake = undefined;
    }
    if (demoLake && existsSync(demoLake) && path.resolve(lakeDir) === path.resolve(DEFAULT_LAKE_DIR)) {
      throw new UserError(`no lake at ${lakeDir}; the last demo's lake is ${demoLake}: add --lake ${demoLake}`, EXIT.noData);
    }
    throw new UserError(
      `no lake at ${lakeDir}: run \`npx threadline demo\` or \`npx threadline local\` (and send events) first, or point --lake at a lake folder`,
      EXIT.noData,
    );
  }
}

export interface EngineOptions {
  engine?: string;
  lake?: string;
  workgroup?: string;
  database?: string;
  outputLocation?: string;
  region?: string;
}

export async function openEngine(opts: EngineOptions): Promise<{ engine: QueryEngine; dialect: 'duckdb' | 'athena'; describe: string }> {
  const kind = opts.engine ?? 'local';
  if (kind === 'local') {
    const lakeDir = path.resolve(opts.lake ?? DEFAULT_LAKE_DIR);
    checkLake(lakeDir);
    const { createDuckDbEngine } = await import('../query/index.js');
    // lazyViews: a command runs a few queries, so it creates only the views they read
    return { engine: await createDuckDbEngine({ lakeDir, lazyViews: true }), dialect: 'duckdb', describe: `DuckDB over ${lakeDir}` };
  }
  if (kind === 'athena') {
    const workgroup = opts.workgroup ?? process.env.THREADLINE_ATHENA_WORKGROUP;
    const database = opts.database ?? process.env.THREADLINE_ATHENA_DATABASE;
    if (!workgroup || !database) {
      throw new UserError(
        'athena needs --workgroup and --database (or THREADLINE_ATHENA_WORKGROUP / THREADLINE_ATHENA_DATABASE); the deploy outputs name both (docs/deploy.md)',
      );
    }
    const { AthenaClient } = await import('@aws-sdk/client-athena');
    const { createAthenaEngine } = await import('../query/index.js');
    const client = new AthenaClient(opts.region ? { region: opts.region } : {});
    const engine = createAthenaEngine({
      client,
      workgroup,
      database,
      ...((opts.outputLocation ?? process.env.THREADLINE_ATHENA_OUTPUT)
        ? { outputLocation: opts.outputLocation ?? process.env.THREADLINE_ATHENA_OUTPUT }
        : {}),
    });
    return { engine, dialect: 'athena', describe: `Athena ${workgroup}/${database}` };
  }
  throw new UserError(`--engine must be local or athena, got "${kind}"`);
}
