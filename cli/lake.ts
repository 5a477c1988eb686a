/**
 * Opening a query engine for the CLI (query, funnel, report): the local lake through DuckDB, or Athena.
 * Errors say what to do next.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { QueryEngine } from '../query/index.js';

export const DEFAULT_DATA_DIR = '.threadline';
export const DEFAULT_LAKE_DIR = path.join(DEFAULT_DATA_DIR, 'lake');
/** The demo's report, truth and NDJSON (inside .threadline/, which git ignores). */
export const DEFAULT_DEMO_OUT = path.join(DEFAULT_DATA_DIR, 'demo');
export const LAST_DEMO_LAKE_FILE = 'lake-path.txt';

/** An error meant for the user: printed without a stack, with its exit code. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export const EXIT = { ok: 0, error: 1, usage: 2, noData: 3 } as const;

export function checkLake(lakeDir: string): void {
  const hasTable = existsSync(lakeDir) && readdirSync(lakeDir).some((d) => ['events', 'identity_changes', 'failed_events'].includes(d));
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
    return { engine: await createDuckDbEngine({ lakeDir }), dialect: 'duckdb', describe: `DuckDB over ${lakeDir}` };
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
      ...(opts.outputLocation ?? process.env.THREADLINE_ATHENA_OUTPUT ? { outputLocation: opts.outputLocation ?? process.env.THREADLINE_ATHENA_OUTPUT } : {}),
    });
    return { engine, dialect: 'athena', describe: `Athena ${workgroup}/${database}` };
  }
  throw new UserError(`--engine must be local or athena, got "${kind}"`);
}

/** Wraps a command action: a UserError sets its exit code; the CLI prints the message without a stack. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.exitCode = err instanceof UserError ? err.exitCode : EXIT.error;
      throw err;
    }
  };
}

/** '7d', '12h', '30m', '45s' or plain seconds -> seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/i.exec(value.trim());
  if (!m) throw new UserError(`bad duration "${value}": use e.g. 7d, 12h, 30m or 3600 (seconds)`);
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h' | 'd' | 'w'];
  const seconds = Number(m[1]) * mult;
  if (!(seconds > 0)) throw new UserError(`duration must be positive, got "${value}"`);
  return seconds;
}
