/**
 * `npm run demo` / `npx threadline demo`: the whole product on a laptop in about a minute. Starts the
 * local pipeline, sends generated omnichannel data through the real HTTP API, waits until it has landed,
 * prints journeys, funnel, hand-offs, attribution and stitching quality, and writes the HTML report.
 */

import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { DEFAULT_DEMO_OUT, type DemoResult, runDemo } from '../../demo/index.js';
import { InstanceLockedError, type LocalPipeline, liveInstanceLock, lockedMessage } from '../../local/index.js';
import { renderDemoFooter, renderDemoText } from '../demo-print.js';
import { action, EXIT, UserError } from '../errors.js';
import { ignoreClosedOutput, onStopSignals } from '../stop-signals.js';

/** Exit code of a demo stopped by a signal (after its flush): 128 + SIGINT, as shells report it. */
export const DEMO_INTERRUPTED_EXIT = 130;

export const DEFAULT_DEMO_CUSTOMERS = 1000;

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the local pipeline on generated omnichannel data and print journeys, attribution and stitching quality')
    .option(
      '--customers <n>',
      'customers to simulate, about 14 events each (max 20,000; 5,000 take ~1.5 min and ~2 GB RAM)',
      String(DEFAULT_DEMO_CUSTOMERS),
    )
    .option('--seed <n>', 'random seed: the same seed gives the same data', '42')
    .option('--days <n>', 'days of history to simulate', '21')
    .option('--out <dir>', 'folder for report.html, truth.json and the generated NDJSON', DEFAULT_DEMO_OUT)
    .option('--data-dir <dir>', 'pipeline data folder, kept as it is (default: <out>/pipeline, replaced on each run)')
    .option('--json', 'print the results as JSON instead of text')
    .addHelpText(
      'after',
      `
Everything runs in this process on loopback: no AWS account, Docker or network needed.
The default (1,000 customers, ~14,000 events) takes about 35 s on 2 cores; time grows linearly with --customers.
Exit codes: 0 ok (every accepted event landed), 1 failure, 2 bad usage.`,
    )
    .action(
      action(async (opts: { customers: string; seed: string; days: string; out: string; dataDir?: string; json?: boolean }) => {
        process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
        const customers = int(opts.customers, '--customers', 1, 20_000);
        const seed = int(opts.seed, '--seed', 0, 2 ** 32 - 1);
        const days = int(opts.days, '--days', 2, 365);
        const log = (s: string) => (opts.json ? process.stderr : process.stdout).write(`${s}\n`);
        ignoreClosedOutput();
        // The demo replaces its default pipeline folder: never under a pipeline that is running on it.
        const dataDir = path.resolve(opts.dataDir ?? path.join(opts.out, 'pipeline'));
        const holder = await liveInstanceLock(dataDir);
        if (holder) throw new UserError(lockedMessage(dataDir, holder));
        log(`Threadline demo: ${customers} customers, seed ${seed}, ${days} days of history`);
        const bar = new cliProgress.SingleBar(
          {
            format: 'sending  [{bar}] {percentage}% | {value}/{total} events',
            stream: process.stderr,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        let barStarted = false;
        // Ctrl-C / SIGTERM / SIGHUP: stop the pipeline cleanly (what was accepted lands in the lake), then exit.
        let started: (p: LocalPipeline) => void = () => {};
        const pipelineUp = new Promise<LocalPipeline>((resolve) => {
          started = resolve;
        });
        let interrupted = false;
        const signals = onStopSignals({
          onStopping: (sig) => {
            interrupted = true;
            if (barStarted) bar.stop();
            log(`\n${sig}: stopping the demo (no new requests; flushing what was accepted to the lake)...`);
          },
          onRepeat: (sig) =>
            console.error(`${sig}: still flushing accepted events to the lake, please wait. To abandon the flush: kill -9 ${process.pid}`),
          stop: async () => {
            const p = await pipelineUp;
            await p.stop();
            log(`stopped cleanly: the events accepted so far are in the lake at ${p.lakeDir} (demo interrupted: no report)`);
          },
        });
        signals.stopped.then(
          () => process.exit(DEMO_INTERRUPTED_EXIT),
          (err: Error) => {
            console.error(`threadline demo: stop failed: ${err.message}`);
            process.exit(EXIT.error);
          },
        );
        let result: DemoResult;
        try {
          result = await runDemo({
            customers,
            seed,
            days,
            outDir: opts.out,
            ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
            onPhase: (p, detail) => {
              if (p === 'start') log(`starting the local pipeline (data in ${detail})`);
              if (p === 'drain') {
                if (barStarted) bar.stop();
                log('waiting until every accepted event has landed in the lake...');
              }
              if (p === 'query') log('reading the views...');
            },
            onProgress: (settled, total) => {
              if (!barStarted) {
                bar.start(total, 0);
                barStarted = true;
              }
              bar.update(settled);
            },
            onStarted: started,
          });
        } catch (err) {
          // After a signal, requests to the stopped collector fail: the stop's own exit is the outcome.
          if (interrupted) await new Promise<never>(() => signals.stopped);
          signals.dispose();
          if (err instanceof InstanceLockedError) throw new UserError(err.message);
          throw err;
        }
        if (interrupted) await new Promise<never>(() => signals.stopped);
        signals.dispose();
        if (opts.json) {
          const { dataset, ...rest } = result;
          console.log(
            JSON.stringify(
              { ...rest, truth: { stats: dataset.truth.stats, trueIncrementalConversions: dataset.truth.trueIncrementalConversions } },
              null,
              2,
            ),
          );
        } else {
          console.log(renderDemoText(result));
          console.log(renderDemoFooter(result));
        }
        if (!result.landed.allLanded || result.send.total.failed > 0) process.exitCode = 1;
      }),
    );
}

function int(v: string, name: string, min: number, max: number): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < min || x > max) throw new UserError(`${name} must be a whole number from ${min} to ${max}, got "${v}"`);
  return x;
}
