/**
 * `threadline send FILE.ndjson --url URL --write-key KEY`: posts an NDJSON file of Segment messages to any
 * Segment-compatible endpoint (the local collector, a deployed Threadline, Segment itself), batched, with
 * retries, a progress bar and a summary.
 */
import { readFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type SendResult, sendEvents } from '../../demo/index.js';
import { DEV_WRITE_KEY } from '../../local/index.js';
import { EARLIEST_EVENT_DATE, isIsoDate } from '../../schemas/index.js';
import { DEFAULT_LOCAL_PORT } from '../defaults.js';
import { acceptedRange, describeRange, type PreparedHistory, prepareHistory, type SkipReason } from '../history.js';

/** someSkipped: every line that could be sent was accepted, but some lines of the file were not sent. */
export const SEND_EXIT = { ok: 0, error: 1, usage: 2, someRejected: 3, someFailed: 4, someSkipped: 5 } as const;

/** The worst outcome wins: undelivered, then rejected by the collector, then skipped before sending. */
export function sendExitCode(result: Pick<SendResult, 'failed' | 'rejected'>, skipped: number): number {
  if (result.failed > 0) return SEND_EXIT.someFailed;
  if (result.rejected.length > 0) return SEND_EXIT.someRejected;
  if (skipped > 0) return SEND_EXIT.someSkipped;
  return SEND_EXIT.ok;
}

export function register(program: Command): void {
  program
    .command('send')
    .description('send an NDJSON file of Segment messages to a collector (POST /v1/batch, batched, with retries)')
    .argument('<file>', 'NDJSON file: one Segment message (track, identify, page, ...) per line')
    .option('--url <url>', 'collector base URL (env THREADLINE_URL)', process.env.THREADLINE_URL)
    .option('--write-key <key>', 'source write key (env THREADLINE_WRITE_KEY)', process.env.THREADLINE_WRITE_KEY)
    .option('--batch-size <n>', 'events per request (max 2500)', (v) => parsePositive(v, '--batch-size'), 500)
    .option('--concurrency <n>', 'requests in flight', (v) => parsePositive(v, '--concurrency'), 2)
    .option('--import', 'post to /v1/import (history: no maximum event age, only the earliest date)')
    .option(
      '--earliest-date <YYYY-MM-DD>',
      'earliest event date the collector accepts (a deployment configured for older history)',
      EARLIEST_EVENT_DATE,
    )
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Events are sent in event-time order, so that each request (and each lake delivery buffer) spans few days.
Lines that are not JSON objects, have an unparseable timestamp, or lie outside the event-time range the
collector accepts (from --earliest-date to 24 h ahead; /v1/batch also at most 2 years old) are skipped
before sending and counted by reason in the summary.
Retries 429, 5xx and network errors with exponential backoff (honouring Retry-After); a 413 splits the batch.
Exit codes: 0 all sent and accepted, 3 some events rejected by the collector, 4 some could not be delivered
after retries, 5 some lines skipped (everything sent was accepted), 2 bad usage, 1 other errors.

Example (the collector and development key that \`threadline local\` starts with):
  threadline send events.ndjson --url http://127.0.0.1:${DEFAULT_LOCAL_PORT} --write-key ${DEV_WRITE_KEY}`,
    )
    .action(
      async (
        file: string,
        opts: {
          url?: string;
          writeKey?: string;
          batchSize: number;
          concurrency: number;
          import?: boolean;
          earliestDate: string;
          json?: boolean;
        },
      ) => {
        if (!opts.url)
          throw usage(
            `missing --url (or THREADLINE_URL): the collector base URL, e.g. http://127.0.0.1:${DEFAULT_LOCAL_PORT} from \`npx threadline local\``,
          );
        if (!opts.writeKey) throw usage('missing --write-key (or THREADLINE_WRITE_KEY): `npx threadline local` prints a development key');
        try {
          new URL(opts.url);
        } catch {
          throw usage(`--url ${opts.url} is not a URL (expected e.g. http://127.0.0.1:${DEFAULT_LOCAL_PORT})`);
        }
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          throw usage(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        if (!isIsoDate(opts.earliestDate)) throw usage(`--earliest-date must be a date YYYY-MM-DD, got "${opts.earliestDate}"`);
        const now = Date.now();
        const range = acceptedRange(opts.import ? 'import' : 'batch', now, opts.earliestDate);
        const prepared = prepareHistory(text, range, now);
        const { events, skipped } = prepared;
        for (const e of skipped.slice(0, 5)) console.error(`threadline send: ${file}:${e.line}: skipped (${e.reason}), ${e.message}`);
        if (skipped.length > 5) console.error(`threadline send: ... and ${skipped.length - 5} more skipped lines`);
        if (events.length === 0) {
          throw usage(
            skipped.length === 0
              ? `${file} holds no events (expected one JSON object per line)`
              : `${file} holds no event that can be sent: ${skippedText(prepared.skippedByReason)} (accepted event time ${describeRange(range)})`,
          );
        }
        const result = await sendWithProgress(events, {
          url: opts.url,
          writeKey: opts.writeKey,
          batchSize: opts.batchSize,
          concurrency: opts.concurrency,
          path: opts.import ? '/v1/import' : '/v1/batch',
        });
        if (opts.json) console.log(JSON.stringify({ ...result, skipped: skippedSummary(prepared) }, null, 2));
        else printSummary(result, prepared);
        process.exitCode = sendExitCode(result, skipped.length);
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

/** The skipped lines for --json: the count, per reason, and the first few line numbers. */
export function skippedSummary(p: PreparedHistory): { total: number; byReason: Partial<Record<SkipReason, number>>; lines: number[] } {
  const byReason = Object.fromEntries(Object.entries(p.skippedByReason).filter(([, n]) => n > 0));
  return { total: p.skipped.length, byReason, lines: p.skipped.slice(0, 100).map((s) => s.line) };
}

function skippedText(byReason: Record<SkipReason, number>): string {
  const parts = Object.entries(byReason)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${reason}`);
  return parts.length > 0 ? `skipped ${parts.join(', ')}` : 'nothing skipped';
}

export function printSummary(r: SendResult, prepared?: PreparedHistory): void {
  const skipped = prepared?.skipped.length ?? 0;
  console.log(
    `sent ${r.sent} events in ${r.requests} requests (${r.retries} retries): ${r.accepted} accepted, ${r.rejected.length} rejected, ${r.failed} undelivered` +
      (prepared ? `, ${skipped} lines skipped before sending` : ''),
  );
  if (prepared) {
    for (const [reason, n] of Object.entries(prepared.skippedByReason)) if (n > 0) console.log(`  skipped ${reason}: ${n}`);
    if (prepared.span) {
      console.log(
        `  event time ${new Date(prepared.span.fromMs).toISOString()} .. ${new Date(prepared.span.toMs).toISOString()}, sent in time order`,
      );
    }
  }
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
