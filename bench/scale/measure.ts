/**
 * One measured query in a process of its own, so that its peak resident memory is its own:
 *
 *   node --import tsx bench/scale/measure.ts '{"lakeDir":"...","sql":"...","views":true}'
 *
 * Prints one JSON line: { setupMs, queryMs, rows, maxRssMb } (rows = the query's row_count column).
 * Setup (opening DuckDB and creating the views) is timed apart from the query itself.
 */
import { createDuckDbEngine } from '../../query/index.js';

export interface MeasureRequest {
  readonly lakeDir: string;
  readonly sql: string;
  /** Create the Threadline views (false for the floor, which reads Parquet directly). */
  readonly views: boolean;
}

export interface MeasureResult {
  readonly setupMs: number;
  readonly queryMs: number;
  readonly rows: number | null;
  /** Peak resident set of the whole process (Node, DuckDB and its buffers), MB. */
  readonly maxRssMb: number;
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '{}') as MeasureRequest;
  const t0 = performance.now();
  const engine = await createDuckDbEngine({ lakeDir: req.lakeDir, createViews: req.views });
  const t1 = performance.now();
  const res = await engine.query<{ row_count?: number }>(req.sql);
  const t2 = performance.now();
  await engine.close();
  const out: MeasureResult = {
    setupMs: t1 - t0,
    queryMs: t2 - t1,
    rows: typeof res.rows[0]?.row_count === 'number' ? res.rows[0].row_count : null,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
