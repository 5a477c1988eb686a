/** `threadline report`: the HTML report (flows, funnel, attribution, data quality) from a lake. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { collectInsights, DEFAULT_FUNNEL, renderReport, toReportData } from '../../demo/index.js';
import { DEFAULT_LAKE_DIR } from '../../local/index.js';
import { openEngine } from '../engine.js';
import { action, UserError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report (flows, funnel, attribution, data quality) from the local lake')
    .option('--lake <dir>', 'lake folder', DEFAULT_LAKE_DIR)
    .option('--out <file>', 'HTML file to write (default: reports/threadline-report.html beside the lake, e.g. .threadline/reports/)')
    .option('--funnel <names>', 'comma-separated funnel steps', DEFAULT_FUNNEL.join(','))
    .addHelpText(
      'after',
      '\nThe page needs no network: open it from disk in any browser.\nExit codes: 0 ok, 3 no lake yet, 2 bad usage, 1 other errors.',
    )
    .action(
      action(async (opts: { lake: string; out?: string; funnel: string }) => {
        const steps = opts.funnel
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (steps.length === 0) throw new UserError('--funnel needs at least one event name');
        const { engine, describe } = await openEngine({ engine: 'local', lake: opts.lake });
        try {
          const insights = await collectInsights(engine, { funnelSteps: steps });
          const html = renderReport(toReportData(insights, { notes: [`Data: ${describe}`] }));
          const out = path.resolve(opts.out ?? defaultReportPath(opts.lake));
          await mkdir(path.dirname(out), { recursive: true });
          await writeFile(out, html);
          console.log(`report written: ${out}`);
        } finally {
          await engine.close();
        }
      }),
    );
}

/**
 * Beside the lake, in its data folder (.threadline/ by default, which git ignores), rather than in the
 * working directory, where the report would sit among the sources.
 */
export function defaultReportPath(lakeDir: string): string {
  return path.join(path.dirname(path.resolve(lakeDir)), 'reports', 'threadline-report.html');
}
