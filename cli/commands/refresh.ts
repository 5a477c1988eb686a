/**
 * `threadline refresh`: bring the journey models of a local lake up to date now (queries also do it
 * when they find new raw files; the local pipeline does it after its flushes). Incremental by default:
 * only the partitions that changed since the last refresh, and what depends on them.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_LAKE_DIR } from '../../local/index.js';
import type { ModelRefreshReport } from '../../query/index.js';
import { checkLake } from '../engine.js';
import { action, UserError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('refresh')
    .description('refresh the journey models (deduplicated events, sessions, touchpoints, conversions) of a local lake')
    .option('--lake <dir>', 'lake folder', DEFAULT_LAKE_DIR)
    .option('--full', 'rebuild every partition instead of only what changed')
    .option('--from <date>', 'rebuild from this date (YYYY-MM-DD) on, or earlier when the plan needs it')
    .option('--format <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      `
The models live in <lake>/models/<fingerprint>/ (one folder per view configuration and Threadline
version). On AWS the same refresh runs on a schedule (docs/views.md, "Journey models").

Examples:
  threadline refresh
  threadline refresh --from 2024-05-01
  threadline refresh --full --format json

Exit codes: 0 ok, 2 bad usage, 3 no lake yet, 1 other errors (including another refresh still running).`,
    )
    .action(
      action(async (opts: { lake: string; full?: boolean; from?: string; format: string }) => {
        if (!['text', 'json'].includes(opts.format)) throw new UserError(`--format must be text or json, got ${opts.format}`);
        if (opts.from !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.from))
          throw new UserError(`--from must be YYYY-MM-DD, got ${opts.from}`);
        const lakeDir = path.resolve(opts.lake);
        checkLake(lakeDir);
        const { createDuckDbEngine } = await import('../../query/index.js');
        const engine = await createDuckDbEngine({ lakeDir, lazyViews: true, modelRefresh: 'manual' });
        try {
          if (opts.format === 'text') console.error(`refreshing the journey models of ${lakeDir} ...`);
          const report = await engine.refreshModels({ ...(opts.full ? { full: true } : {}), ...(opts.from ? { from: opts.from } : {}) });
          if (opts.format === 'json') console.log(JSON.stringify(report, null, 2));
          else console.log(describe(report));
          if (report.status === 'locked') process.exitCode = 1;
        } finally {
          await engine.close();
        }
      }),
    );
}

function describe(r: ModelRefreshReport): string {
  if (r.status === 'up-to-date') return 'models are up to date: no raw file appeared or disappeared since the last refresh';
  if (r.status === 'locked') return 'another refresh of these models is still running; try again when it ends';
  const lines = [`rebuilt every partition from ${r.from} on in ${(r.ms / 1000).toFixed(1)} s (${r.reasons.join('; ')})`];
  for (const [model, rows] of Object.entries(r.rows)) {
    lines.push(`  ${model.padEnd(26)} ${String(rows).padStart(10)} rows in ${r.partitions[model] ?? 0} partitions`);
  }
  return lines.join('\n');
}
