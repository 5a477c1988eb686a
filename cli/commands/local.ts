/**
 * `npx threadline local` (also `npm start`): the embedded pipeline on loopback until Ctrl-C.
 * Ctrl-C (SIGINT) or SIGTERM shuts down cleanly: the collector stops accepting, what is in the stream is
 * processed, the lake writer flushes, everything closes. A second Ctrl-C exits at once (data already
 * acknowledged is still safe in the stream folder and is processed at the next start).
 */

import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR, startLocalPipeline } from '../../local/index.js';
import { action, UserError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('local')
    .description('run the local pipeline (collector, stream, processor, identity store, lake, DuckDB views) until Ctrl-C')
    .option('--port <n>', 'collector port on 127.0.0.1', '8787')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'folder for all data (kept across restarts)', DEFAULT_DATA_DIR)
    .option('--shards <n>', 'Kinesis shards (only used when the stream is first created)', '2')
    .addHelpText(
      'after',
      `
Then send events with any Segment-compatible SDK or curl, and query them:
  npx threadline send events.ndjson --url http://127.0.0.1:8787 --write-key tl_dev_local_write_key
  npx threadline query journeys
New write keys for the running pipeline: npx threadline keys add --local --name pos --channel store`,
    )
    .action(
      action(async (opts: { port: string; host: string; dataDir: string; shards: string }) => {
        process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be 0-65535, got "${opts.port}"`);
        const shards = Number(opts.shards);
        if (!Number.isInteger(shards) || shards < 1 || shards > 16) throw new UserError(`--shards must be 1-16, got "${opts.shards}"`);
        let pipeline: Awaited<ReturnType<typeof startLocalPipeline>>;
        try {
          pipeline = await startLocalPipeline({ dataDir: opts.dataDir, port, host: opts.host, shards });
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          if (e.code === 'EADDRINUSE')
            throw new UserError(`port ${port} is in use: is another \`threadline local\` running? Use --port <other> (0 picks a free one)`);
          if (/LOCK|lock/.test(e.message ?? '')) {
            throw new UserError(
              `${path.resolve(opts.dataDir)} is in use by another process (another \`threadline local\`?): stop it or use --data-dir <other>`,
            );
          }
          throw err;
        }
        const p = pipeline;
        console.log(
          [
            `Threadline local pipeline is running`,
            `  collector:  ${p.url}   (Segment HTTP API: /v1/track, /v1/identify, /v1/page, /v1/screen, /v1/group, /v1/alias, /v1/batch)`,
            `  write key:  ${p.writeKey}   (development key, source "dev")`,
            `  data:       ${p.dataDir}   (lake in ${p.lakeDir})`,
            ``,
            `  try it:`,
            `    curl -u ${p.writeKey}: -H 'content-type: application/json' \\`,
            `      -d '{"userId":"u-1","event":"Order Completed","properties":{"order_id":"o-1","revenue":42,"currency":"EUR"}}' \\`,
            `      ${p.url}/v1/track`,
            `    npx threadline query "SELECT event_name, person_id, touchpoint_channel FROM events_resolved" --lake ${shortPath(p.lakeDir)}`,
            ``,
            `  one key per emitting system: npx threadline keys add --local --file ${shortPath(path.join(p.dataDir, 'sources.json'))}` +
              ' --name pos --channel store',
            ``,
            `  The lake is written every few seconds. Ctrl-C stops cleanly.`,
          ].join('\n'),
        );
        let last = '';
        const timer = setInterval(() => {
          const s = p.stats();
          const line =
            `processed ${s.processor.events} events (${Object.values(s.processor.failed).reduce((a, b) => a + b, 0)} failed), ` +
            `${s.processor.identityChanges} identity merges, ${s.lake.files} lake files`;
          if (line !== last && s.processor.records > 0) console.log(`  ${new Date().toISOString().slice(11, 19)} ${line}`);
          last = line;
        }, 5000);
        timer.unref();
        await new Promise<void>((resolve) => {
          let stopping = false;
          const onSignal = (sig: string) => {
            if (stopping) {
              console.error('second signal: exiting now (acknowledged events stay in the stream and are processed at the next start)');
              process.exit(130);
            }
            stopping = true;
            console.log(`\n${sig}: stopping (no new requests; processing what is in flight, flushing the lake)...`);
            clearInterval(timer);
            p.stop()
              .then(() => {
                const s = p.stats();
                console.log(
                  `stopped cleanly: ${s.processor.events} events processed this run, ${s.lake.files} lake files written. Data kept in ${p.dataDir}`,
                );
                resolve();
              })
              .catch((err: Error) => {
                console.error(`stop failed: ${err.message}`);
                process.exitCode = 1;
                resolve();
              });
          };
          process.once('SIGINT', () => onSignal('SIGINT'));
          process.once('SIGTERM', () => onSignal('SIGTERM'));
        });
      }),
    );
}

/** Relative to the working directory when inside it, else absolute: what a user can paste. */
function shortPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
