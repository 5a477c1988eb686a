/**
 * `npx threadline local` (also `npm start`): the embedded pipeline on loopback until Ctrl-C.
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP shuts down cleanly: the collector stops accepting, what is in the
 * stream is processed, the lake writer flushes, everything closes. Further signals do not cut the flush
 * short (cli/stop-signals.ts says why); only SIGKILL does, and even then acknowledged events are safe in
 * the stream folder and are processed at the next start.
 */

import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR, DEV_WRITE_KEY, InstanceLockedError, startLocalPipeline } from '../../local/index.js';
import { DEFAULT_LOCAL_PORT } from '../defaults.js';
import { action, EXIT, UserError } from '../errors.js';
import { ignoreClosedOutput, onStopSignals } from '../stop-signals.js';

export function register(program: Command): void {
  program
    .command('local')
    .description('run the local pipeline (collector, stream, processor, identity store, lake, DuckDB views) until Ctrl-C')
    .option('--port <n>', 'collector port on 127.0.0.1 (0: any free port)', String(DEFAULT_LOCAL_PORT))
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'folder for all data (kept across restarts)', DEFAULT_DATA_DIR)
    .option('--shards <n>', 'Kinesis shards (only used when the stream is first created)', '2')
    .addHelpText(
      'after',
      `
Then send events with any Segment-compatible SDK or curl, and query them:
  npx threadline send events.ndjson --url http://127.0.0.1:${DEFAULT_LOCAL_PORT} --write-key ${DEV_WRITE_KEY}
  npx threadline query journeys
New write keys for the running pipeline: npx threadline keys add --local --name pos --channel store`,
    )
    .action(
      action(async (opts: { port: string; host: string; dataDir: string; shards: string }) => {
        process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
        ignoreClosedOutput();
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
          if (err instanceof InstanceLockedError) throw new UserError(err.message);
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
        const stopping = onStopSignals({
          onStopping: (sig) => {
            clearInterval(timer);
            console.log(`\n${sig}: stopping (no new requests; processing what is in flight, flushing the lake)...`);
          },
          onRepeat: (sig) =>
            console.error(
              `${sig}: still flushing accepted events to the lake, please wait. To abandon the flush: kill -9 ${process.pid} ` +
                '(acknowledged events stay in the stream and are processed at the next start)',
            ),
          stop: () => p.stop(),
        });
        try {
          await stopping.stopped;
        } catch (err) {
          throw new UserError(`stop failed: ${(err as Error).message}`, EXIT.error);
        }
        const s = p.stats();
        console.log(
          `stopped cleanly: ${s.processor.events} events processed this run, ${s.lake.files} lake files written. Data kept in ${p.dataDir}`,
        );
      }),
    );
}

/** Relative to the working directory when inside it, else absolute: what a user can paste. */
function shortPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
