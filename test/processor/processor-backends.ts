/**
 * The backends the processor tests run the real processor against: dynalite for the identity table
 * and the local Firehose (real wire protocol) writing into a memory sink, started once per file,
 * with the sink emptied and Firehose faults cleared before each test. Each processor gets a fresh table.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type LocalDynalite, startLocalDynamo } from '../../local/dynamodb.js';
import { type LocalFirehose, startLocalFirehose } from '../../local/firehose-server.js';
import type { EventRecord, FailedEventRecord, IdentityChangeRecord } from '../../schemas/lake.js';
import { MemorySink, STREAMS } from './helpers.js';

export interface ProcessorBackends {
  readonly sink: MemorySink;
  dynamo(): LocalDynalite;
  firehose(): LocalFirehose;
  /** A new, empty identity table named `<prefix>_<n>`. */
  table(): Promise<string>;
  events(): EventRecord[];
  changes(): IdentityChangeRecord[];
  failed(): FailedEventRecord[];
}

export function useProcessorBackends(prefix: string): ProcessorBackends {
  const sink = new MemorySink();
  let dynamo: LocalDynalite | undefined;
  let fh: LocalFirehose | undefined;
  let n = 0;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    fh = await startLocalFirehose({ sink, streams: Object.values(STREAMS) });
  });
  afterAll(async () => {
    await fh?.close();
    await dynamo?.close();
  });
  beforeEach(() => {
    sink.lines.clear();
    fh?.inject.reset();
  });
  const started = <T>(x: T | undefined, what: string): T => {
    if (!x) throw new Error(`${what} is not started yet (use the backends inside a test)`);
    return x;
  };
  return {
    sink,
    dynamo: () => started(dynamo, 'dynalite'),
    firehose: () => started(fh, 'the local Firehose'),
    async table() {
      const name = `${prefix}_${++n}`;
      await started(dynamo, 'dynalite').ensureTable(name);
      return name;
    },
    events: () => sink.rows<EventRecord>(STREAMS.events),
    changes: () => sink.rows<IdentityChangeRecord>(STREAMS.identity),
    failed: () => sink.rows<FailedEventRecord>(STREAMS.failed),
  };
}
