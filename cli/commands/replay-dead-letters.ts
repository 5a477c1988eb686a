/**
 * `threadline replay-dead-letters --queue-url <url>`: replay the batches the processor gave up on.
 *
 * Each message of the processor's dead-letter queue names a shard and a sequence range; the records
 * are read back from the stream and put on it again (or on --target-stream), and the message is
 * deleted only once every record is stored. Messages that cannot be replayed stay in the queue and
 * the command exits 1. Safe to run again: a re-put record keeps its messageId, and the views count each
 * messageId once.
 * Endpoints: the SDK's AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL_KINESIS are honoured.
 */
import type { Command } from 'commander';
import { createKinesisClient, createKinesisWriter, createSqsClient, type MessageOutcome, replayDeadLetters } from '../../lambdas/index.js';
import { action, EXIT, UserError } from '../errors.js';

interface ReplayCliOptions {
  queueUrl: string;
  region?: string;
  targetStream?: string;
  maxMessages?: number;
  dryRun?: boolean;
  json?: boolean;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--max-messages must be a positive integer, got "${v}"`, EXIT.usage);
  return n;
}

function line(o: MessageOutcome): string {
  const where = o.batch ? ` ${o.batch.streamName}/${o.batch.shardId} ${o.batch.startSequenceNumber}..${o.batch.endSequenceNumber}` : '';
  if (o.status === 'kept') return `  kept     ${o.messageId}${where}: ${o.reason}: ${o.detail}`;
  return `  ${o.status === 'checked' ? 'checked ' : 'replayed'} ${o.messageId}${where}: ${o.records} record(s) -> ${o.target}`;
}

export function register(program: Command): void {
  program
    .command('replay-dead-letters')
    .description("replay the processor's dead-lettered stream batches (SQS on-failure records) while the stream retains them")
    .requiredOption('--queue-url <url>', 'URL of the processor dead-letter queue')
    .option('--region <region>', 'AWS region (default: AWS_REGION / profile)')
    .option('--target-stream <name>', 'put the records on this stream instead of the one they came from')
    .option('--max-messages <n>', 'stop after n messages (default: until the queue is empty)', positiveInt)
    .option('--dry-run', 'read and check the records; put and delete nothing')
    .option('--json', 'print the report as JSON')
    .action(
      action(async (opts: ReplayCliOptions) => {
        const clientOpts = opts.region ? { region: opts.region } : {};
        const kinesis = createKinesisClient(clientOpts);
        const sqs = createSqsClient(clientOpts);
        try {
          const report = await replayDeadLetters({
            sqs,
            kinesis,
            queueUrl: opts.queueUrl,
            sinkFor: (streamName) => createKinesisWriter({ client: kinesis, streamName }),
            ...(opts.targetStream ? { targetStream: opts.targetStream } : {}),
            ...(opts.maxMessages ? { maxMessages: opts.maxMessages } : {}),
            ...(opts.dryRun ? { dryRun: true } : {}),
            ...(opts.json ? {} : { onProgress: (o: MessageOutcome) => console.log(line(o)) }),
          });
          if (opts.json) console.log(JSON.stringify(report));
          else {
            const verb = opts.dryRun ? 'checked' : 'replayed';
            console.log(
              `${report.messages} dead letter(s): ${report.replayed} ${verb}, ${report.kept} kept in the queue; ${report.recordsPut} record(s) put.`,
            );
          }
          if (report.kept > 0) process.exitCode = EXIT.error;
        } finally {
          kinesis.destroy();
          sqs.destroy();
        }
      }),
    );
}
