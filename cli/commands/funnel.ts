/** `threadline funnel --steps "A,B,C"`: persons reaching each step, rendered by the funnel builder in sql/. */
import type { Command } from 'commander';
import { buildFunnelSql } from '../../sql/index.js';
import { parseDuration } from '../duration.js';
import { openEngine } from '../engine.js';
import { withEngineOptions } from '../engine-options.js';
import { action, UserError } from '../errors.js';
import { formatRows } from '../format.js';
import { checkFormat } from './query.js';

export function register(program: Command): void {
  withEngineOptions(
    program
      .command('funnel')
      .description('persons reaching each step of a funnel of event names, within a window')
      .requiredOption('--steps <names>', 'comma-separated event (or page/screen) names, in funnel order')
      .option('--window <duration>', 'conversion window from the first step (e.g. 7d, 12h, 30m)', '7d')
      .option('--strict', 'steps must happen in the given order (default: any order within the window)')
      .option('--from <date>', "only events at or after this UTC time ('YYYY-MM-DD' or 'YYYY-MM-DD HH:mm:ss')")
      .option('--to <date>', 'only events before this UTC time')
      .option('--format <format>', 'table, json or csv', 'table')
      .option('--show-sql', 'print the SQL instead of running it'),
  )
    .addHelpText(
      'after',
      `
Counted by person (identities stitched), over events_resolved.
Example:
  threadline funnel --steps "Product Viewed,Product Added,Order Completed" --window 14d --strict`,
    )
    .action(
      action(
        async (opts: {
          steps: string;
          window: string;
          strict?: boolean;
          from?: string;
          to?: string;
          engine: string;
          format: string;
          lake: string;
          showSql?: boolean;
          workgroup?: string;
          database?: string;
          outputLocation?: string;
        }) => {
          const steps = opts.steps
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          if (steps.length === 0)
            throw new UserError('--steps needs at least one event name, e.g. --steps "Product Viewed,Order Completed"');
          const format = checkFormat(opts.format);
          let sql: string;
          const dialect = opts.engine === 'athena' ? 'athena' : 'duckdb';
          try {
            sql = buildFunnelSql(dialect, {
              steps,
              windowSeconds: parseDuration(opts.window),
              order: opts.strict ? 'strict' : 'any',
              ...(opts.from ? { from: opts.from } : {}),
              ...(opts.to ? { to: opts.to } : {}),
            });
          } catch (err) {
            if (err instanceof UserError) throw err;
            throw new UserError((err as Error).message);
          }
          if (opts.showSql) {
            console.log(sql);
            return;
          }
          const { engine } = await openEngine(opts);
          try {
            const res = await engine.query(sql);
            console.log(formatRows(res.rows, format, res.columns));
          } finally {
            await engine.close();
          }
        },
      ),
    );
}
