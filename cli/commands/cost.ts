/**
 * `threadline cost`: the monthly AWS cost per million events at 10 M, 100 M and 1 B events a month,
 * computed from the synthesized stack (same -c/--context configuration as `cdk synth`), the price
 * table in lib/cost/prices.ts and per-event figures (measured where available, else labelled
 * assumptions). `--write docs/cost.md` regenerates the document.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  deploymentFromTemplate,
  estimateMonthlyCost,
  loadDefaultFigures,
  renderCostMarkdown,
  renderCostText,
  synthesizeTemplate,
  VOLUMES,
  withFigures,
} from '../../cost/index.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `-c key=value` pairs, as the CDK CLI takes them. */
export function parseContext(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`--context expects key=value, got "${p}"`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('cost')
    .description('monthly AWS cost per million events (10 M / 100 M / 1 B a month) from the synthesized stack')
    .option('-c, --context <key=value>', 'CDK context, as for cdk synth (e.g. threadline.stage=prod)', collect, [] as string[])
    .option('--figures <file>', 'JSON of measured per-event figures overriding the defaults')
    .option('--markdown', 'print the full markdown report (docs/cost.md)')
    .option('--write <file>', 'write the markdown report to a file')
    .option('--json', 'print the deployment facts, figures and estimates as JSON')
    .action(async (opts: { context: string[]; figures?: string; markdown?: boolean; write?: string; json?: boolean }) => {
      // CDK's CloudFormation schema validation adds seconds and nothing to a price.
      process.env.CDK_VALIDATION ??= 'false';
      const { template, stage } = synthesizeTemplate(parseContext(opts.context));
      const deployment = deploymentFromTemplate(template);
      let figures = loadDefaultFigures();
      if (opts.figures) figures = withFigures(figures, JSON.parse(readFileSync(opts.figures, 'utf8')));
      if (opts.json) {
        console.log(
          JSON.stringify(
            { stage, deployment, figures, estimates: VOLUMES.map((n) => estimateMonthlyCost(deployment, figures, n)) },
            null,
            2,
          ),
        );
        return;
      }
      const generatedBy = `npm run cost -- --write docs/cost.md${opts.context.map((c) => ` -c ${c}`).join('')}`;
      if (opts.markdown || opts.write) {
        const md = renderCostMarkdown({ stage, deployment, figures, generatedBy });
        if (opts.write) {
          writeFileSync(opts.write, `${md}\n`);
          console.log(`wrote ${opts.write}`);
        } else console.log(md);
        return;
      }
      console.log(renderCostText({ stage, deployment, figures }));
    });
}
