/**
 * Opening a query engine for the CLI (query, funnel, report): the local lake through DuckDB, or Athena.
 * Errors say what to do next.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { QueryEngine } from '../analytics/query/types.js';

export const DEFAULT_DATA_DIR = '.threadline';
export const DEFAULT_LAKE_DIR = path.join(DEFAULT_DATA_DIR, 'lake');

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
    const { createDuckDbEngine } = await import('../analytics/query/duckdb.js');
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
    const { createAthenaEngine } = await import('../analytics/query/athena.js');
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
