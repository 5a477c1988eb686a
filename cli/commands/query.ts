/** `threadline query <view|SQL>`: a Threadline view or any SQL, on the local lake (DuckDB) or Athena. */
import type { Command } from 'commander';
import { ATTRIBUTION_RESULTS_TABLE_NAME, LAKE_TABLE_NAMES, orderedViews } from '../../sql/index.js';
import { openEngine } from '../engine.js';
import { withEngineOptions } from '../engine-options.js';
import { action, UserError } from '../errors.js';
import { formatRows, OUTPUT_FORMATS, type OutputFormat } from '../format.js';

export function register(program: Command): void {
  withEngineOptions(
    program
      .command('query')
      .description('run a view (by name) or a SQL statement on the local lake (DuckDB) or Athena')
      .argument('<view-or-sql>', 'a view or table name (e.g. journeys) or a SQL statement in quotes')
      .option('--format <format>', 'table, json or csv', 'table')
      .option('--limit <n>', 'rows to show when a view name is given (0 = all)', '50'),
  )
    .addHelpText(
      'after',
      `
Views: ${orderedViews()
        .map((v) => v.name)
        .join(', ')}
Tables: ${QUERYABLE_TABLES.join(', ')}

Examples:
  threadline query journeys
  threadline query attribution_summary --format csv
  threadline query attribution_results          (runs saved by \`threadline attribution --save\`)
  threadline query "SELECT touchpoint_channel, count(*) AS n FROM events_deduped GROUP BY 1 ORDER BY n DESC"
  threadline query channel_paths --engine athena --workgroup threadline --database threadline

Exit codes: 0 ok, 2 bad usage or SQL error, 3 no lake yet, 1 other errors.`,
    )
    .action(
      action(
        async (
          target: string,
          opts: {
            engine: string;
            format: string;
            lake: string;
            limit: string;
            workgroup?: string;
            database?: string;
            outputLocation?: string;
            region?: string;
          },
        ) => {
          const format = checkFormat(opts.format);
          const sql = toSql(target, Number(opts.limit));
          const { engine } = await openEngine(opts);
          try {
            const res = await engine.query(sql).catch((err: Error) => {
              throw new UserError(`query failed: ${err.message}`);
            });
            console.log(formatRows(res.rows, format, res.columns));
            if (format === 'table')
              console.error(`(${res.rows.length} rows${res.bytesScanned !== undefined ? `, ${res.bytesScanned} bytes scanned` : ''})`);
          } finally {
            await engine.close();
          }
        },
      ),
    );
}

/** The lake's tables: the pipeline's three and the saved attribution runs (`threadline attribution --save`). */
export const QUERYABLE_TABLES: readonly string[] = [...LAKE_TABLE_NAMES, ATTRIBUTION_RESULTS_TABLE_NAME];

export function checkFormat(format: string): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format))
    throw new UserError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got "${format}"`);
  return format as OutputFormat;
}

/** A bare name is a view or table (checked, so a typo gets the list); anything else is SQL as given. */
export function toSql(target: string, limit: number): string {
  const t = target.trim();
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) {
    const known = [...orderedViews().map((v) => v.name), ...QUERYABLE_TABLES];
    if (!known.includes(t)) throw new UserError(`unknown view or table "${t}"; known: ${known.join(', ')}`);
    if (!Number.isInteger(limit) || limit < 0) throw new UserError(`--limit must be a whole number >= 0`);
    return `SELECT * FROM ${t}${limit > 0 ? ` LIMIT ${limit}` : ''}`;
  }
  if (t.length === 0) throw new UserError('empty query');
  return t;
}
