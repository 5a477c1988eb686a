/**
 * `threadline funnel --steps "A,B,C"`: persons reaching each step, rendered by the funnel builder in sql/.
 *
 * A step name that never occurs in the lake is almost always a typo, and would silently give 0: the
 * command prints the counts anyway, warns on stderr naming the step and the closest names seen, and
 * exits 3 (no data) unless --allow-unseen-steps (for an event that is not tracked yet).
 */
import type { Command } from 'commander';
import { buildFunnelSql, funnelEventNamesSql, unseenSteps } from '../../sql/index.js';
import { parseDuration } from '../duration.js';
import { openEngine } from '../engine.js';
import { withEngineOptions } from '../engine-options.js';
import { action, EXIT, UserError } from '../errors.js';
import { formatRows } from '../format.js';
import { checkFormat } from './query.js';

export function register(program: Command): void {
  withEngineOptions(
    program
      .command('funnel')
      .description('persons reaching each step of a funnel of event names, within a window')
      .requiredOption('--steps <names>', 'comma-separated event (or page/screen) names, in funnel order')
      .option('--window <duration>', 'conversion window from the first step, with a unit: 7d, 12h, 30m or 90s', '7d')
      .option('--strict', 'steps must happen in the given order (default: any order within the window)')
      .option('--from <date>', "only events at or after this UTC time ('YYYY-MM-DD' or 'YYYY-MM-DD HH:mm:ss')")
      .option('--to <date>', 'only events before this UTC time')
      .option('--format <format>', 'table, json or csv', 'table')
      .option('--show-sql', 'print the SQL instead of running it')
      .option('--allow-unseen-steps', 'exit 0 even when a step name never occurs in the lake (still warned about)'),
  )
    .addHelpText(
      'after',
      `
Counted by person (identities stitched), over events_resolved. Events in the same millisecond are
taken in funnel order (then by message id), so --strict keeps a view and an order logged together.
A step name never seen in the lake is warned about on stderr (with the closest names) and exits 3.
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
          allowUnseenSteps?: boolean;
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
          if (/^\s*\d+(\.\d+)?\s*$/.test(opts.window)) {
            throw new UserError(`--window needs a unit: "${opts.window.trim()}" could be seconds or days; write e.g. 7d, 12h, 30m or 90s`);
          }
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
            const seen = await engine.query<{ event_name: string }>(funnelEventNamesSql(steps));
            const unseen = unseenSteps(
              steps,
              seen.rows.map((r) => r.event_name),
            );
            for (const u of unseen) {
              const hint = u.closest.length ? `closest seen: ${u.closest.map((n) => `"${n}"`).join(', ')}` : 'no similar name seen';
              process.stderr.write(`warning: step "${u.step}" never occurs in the lake (track, page or screen event name); ${hint}\n`);
            }
            if (unseen.length && !opts.allowUnseenSteps) process.exitCode = EXIT.noData;
          } finally {
            await engine.close();
          }
        },
      ),
    );
}
