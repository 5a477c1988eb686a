/**
 * `threadline send FILE.ndjson --url URL --write-key KEY`: posts an NDJSON file of Segment messages to any
 * Segment-compatible endpoint (the local collector, a deployed Threadline, Segment itself), batched, with
 * retries, a progress bar and a summary.
 */
import { readFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { parseNdjson, type SendResult, sendEvents } from '../../demo/index.js';

export const SEND_EXIT = { ok: 0, error: 1, usage: 2, someRejected: 3, someFailed: 4 } as const;

export function register(program: Command): void {
  program
    .command('send')
    .description('send an NDJSON file of Segment messages to a collector (POST /v1/batch, batched, with retries)')
    .argument('<file>', 'NDJSON file: one Segment message (track, identify, page, ...) per line')
    .option('--url <url>', 'collector base URL (env THREADLINE_URL)', process.env.THREADLINE_URL)
    .option('--write-key <key>', 'source write key (env THREADLINE_WRITE_KEY)', process.env.THREADLINE_WRITE_KEY)
    .option('--batch-size <n>', 'events per request (max 2500)', (v) => parsePositive(v, '--batch-size'), 500)
    .option('--concurrency <n>', 'requests in flight', (v) => parsePositive(v, '--concurrency'), 2)
    .option('--import', 'post to /v1/import (historical data: no lower bound on event age)')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Retries 429, 5xx and network errors with exponential backoff (honouring Retry-After); a 413 splits the batch.
Exit codes: 0 all accepted, 3 some events rejected by the collector, 4 some could not be delivered
after retries, 2 bad usage, 1 other errors.

Example:
  threadline send events.ndjson --url http://127.0.0.1:8080 --write-key tl_dev_local`,
    )
    .action(
      async (
        file: string,
        opts: { url?: string; writeKey?: string; batchSize: number; concurrency: number; import?: boolean; json?: boolean },
      ) => {
        if (!opts.url)
          throw usage('missing --url (or THREADLINE_URL): the collector base URL, e.g. http://127.0.0.1:8080 from `npx threadline local`');
        if (!opts.writeKey) throw usage('missing --write-key (or THREADLINE_WRITE_KEY): `npx threadline local` prints a development key');
        try {
          new URL(opts.url);
        } catch {
          throw usage(`--url ${opts.url} is not a URL (expected e.g. http://127.0.0.1:8080)`);
        }
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          throw usage(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        const { events, errors } = parseNdjson(text);
        for (const e of errors.slice(0, 5)) console.error(`threadline send: ${file}:${e.line}: skipped, ${e.message}`);
        if (errors.length > 5) console.error(`threadline send: ... and ${errors.length - 5} more bad lines`);
        if (events.length === 0) throw usage(`${file} holds no events (expected one JSON object per line)`);
        const result = await sendWithProgress(events, {
          url: opts.url,
          writeKey: opts.writeKey,
          batchSize: opts.batchSize,
          concurrency: opts.concurrency,
          path: opts.import ? '/v1/import' : '/v1/batch',
        });
        if (opts.json) console.log(JSON.stringify(result, null, 2));
        else printSummary(result);
        process.exitCode = result.failed > 0 ? SEND_EXIT.someFailed : result.rejected.length > 0 ? SEND_EXIT.someRejected : SEND_EXIT.ok;
      },
    );
}

/** sendEvents with a progress bar on stderr (drawn only on a terminal). */
export async function sendWithProgress(
  events: readonly Record<string, unknown>[],
  options: Parameters<typeof sendEvents>[1] & { label?: string },
): Promise<SendResult> {
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label ?? 'sending'} [{bar}] {percentage}% | {value}/{total} events | {eta_buffer}s`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(events.length, 0);
  try {
    return await sendEvents(events, { ...options, onProgress: (n) => bar.increment(n) });
  } finally {
    bar.stop();
  }
}

export function printSummary(r: SendResult): void {
  console.log(
    `sent ${r.sent} events in ${r.requests} requests (${r.retries} retries): ${r.accepted} accepted, ${r.rejected.length} rejected, ${r.failed} undelivered`,
  );
  const byReason = new Map<string, number>();
  for (const x of r.rejected) byReason.set(x.reason, (byReason.get(x.reason) ?? 0) + 1);
  for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1])) console.log(`  rejected ${reason}: ${n}`);
  for (const [k, n] of Object.entries(r.errors)) console.log(`  request errors ${k}: ${n}`);
}

function parsePositive(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw usage(`${name} must be a positive integer, got "${v}"`);
  return n;
}

function usage(message: string): Error {
  process.exitCode = SEND_EXIT.usage;
  return new Error(message);
}
