/**
 * Run one Athena query and wait for it: StartQueryExecution, then GetQueryExecution polled with capped
 * exponential backoff until a terminal state. Used by the views deployer (DDL at deploy time) and by the
 * Athena query engine, which then reads the results itself.
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { sleep as realSleep } from './retry.js';

export class AthenaQueryError extends Error {
  override readonly name = 'AthenaQueryError';
  constructor(
    message: string,
    readonly queryExecutionId: string,
    readonly state: string,
    readonly errorType?: number,
  ) {
    super(message);
  }
}

export interface AthenaPollOptions {
  /** First poll delay (default 200 ms); doubles up to maxPollMs. */
  readonly initialPollMs?: number;
  readonly maxPollMs: number;
  /** Time left for the query, in ms (default: unlimited). */
  readonly remainingMs?: () => number;
  /** Give up when less than the next delay plus this much would be left (default 0). */
  readonly reserveMs?: number;
  /**
   * Called when the query runs out of time, with its last state; returns the error to throw (and may
   * stop the query first). Default: an AthenaQueryError in state TIMEOUT.
   */
  readonly onTimeout?: (queryExecutionId: string, lastState: string | undefined) => Promise<Error> | Error;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called with the query execution id as soon as Athena has accepted the query. */
  readonly onStarted?: (queryExecutionId: string) => void;
}

export interface CompletedAthenaQuery {
  readonly queryExecutionId: string;
  /** The GetQueryExecution answer of the SUCCEEDED state (statistics, statement type). */
  readonly execution: QueryExecution | undefined;
}

/**
 * Start `input` and wait until it SUCCEEDED. A FAILED or CANCELLED query throws an AthenaQueryError
 * carrying Athena's reason; running out of time throws what `onTimeout` returns.
 */
export async function runAthenaQuery(
  client: AthenaClient,
  input: StartQueryExecutionCommandInput,
  opts: AthenaPollOptions,
): Promise<CompletedAthenaQuery> {
  const sleep = opts.sleep ?? realSleep;
  const remaining = opts.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const reserveMs = opts.reserveMs ?? 0;
  const started = await client.send(new StartQueryExecutionCommand(input));
  const id = started.QueryExecutionId;
  if (!id) throw new Error('Athena returned no QueryExecutionId');
  opts.onStarted?.(id);
  let delay = opts.initialPollMs ?? 200;
  for (;;) {
    const { QueryExecution: qe } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = qe?.Status?.State;
    if (state === 'SUCCEEDED') return { queryExecutionId: id, execution: qe };
    if (state === 'FAILED' || state === 'CANCELLED') {
      throw new AthenaQueryError(
        `Athena query ${id} ${state}: ${qe?.Status?.StateChangeReason ?? qe?.Status?.AthenaError?.ErrorMessage ?? 'no reason given'}`,
        id,
        state,
        qe?.Status?.AthenaError?.ErrorType,
      );
    }
    if (remaining() < delay + reserveMs) {
      throw opts.onTimeout
        ? await opts.onTimeout(id, state)
        : new AthenaQueryError(`Athena query ${id} still ${state ?? 'unknown'}: out of time`, id, 'TIMEOUT');
    }
    await sleep(delay);
    delay = Math.min(opts.maxPollMs, delay * 2);
  }
}
