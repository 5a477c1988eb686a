/**
 * Firehose buffering hints: records are held per delivery stream until the stream's buffer reaches
 * maxBytes (SizeInMBs) or maxAgeMs has passed since its first buffered record (IntervalInSeconds), then
 * handed to `deliver`. Deliveries run one at a time, in the order they were started.
 *
 * Accepted records are never dropped: a delivery that fails puts its records back at the head of their
 * stream's buffer (Firehose, too, keeps retrying delivery of what it acknowledged), and every flushAll()
 * that was waiting on them rejects with the delivery's error. So a flushAll() that resolves means every
 * record added before it was delivered, whoever started the delivery that carried it.
 */
export interface BufferingHints {
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  /**
   * add() refuses records once a stream holds this many bytes (BufferBacklogFull), so a destination
   * that cannot be written turns into back-pressure instead of unbounded memory. Default: no bound.
   */
  readonly maxBacklogBytes?: number;
}

export interface BufferStatus {
  /** Records and bytes held, over all streams (including those of deliveries under way). */
  records: number;
  bytes: number;
  /** The last delivery failed and its records are still held. */
  failing: boolean;
  lastError?: { message: string; code?: string; at: Date };
  lastDeliveredAt?: Date;
}

export interface StreamBuffers {
  /**
   * Buffer copies of the records; when this filled the stream's buffer, resolves after that delivery
   * was attempted (a failed one keeps the records, so the add still succeeds). Rejects with
   * BufferBacklogFullError, buffering nothing, when the stream is over its backlog bound.
   */
  add(stream: string, records: readonly Buffer[]): Promise<void>;
  /**
   * Deliver every buffer and wait for deliveries under way. Resolves once every record added before
   * the call has been delivered; rejects with a delivery's error otherwise (the records stay held).
   */
  flushAll(): Promise<void>;
  status(): BufferStatus;
  /** Stop the age timers (also those retrying failed deliveries); what is still held stays held. */
  stopTimers(): void;
}

/** The error shape of a refused add: a code for callers to classify it, as Node's system errors have. */
export class BufferBacklogFullError extends Error {
  override readonly name = 'BufferBacklogFullError';
  readonly code = 'BufferBacklogFull';
}

interface Buffered {
  records: Buffer[];
  bytes: number;
  timer?: NodeJS.Timeout;
}

export function createStreamBuffers(hints: BufferingHints, deliver: (stream: string, records: Buffer[]) => Promise<void>): StreamBuffers {
  const buffers = new Map<string, Buffered>();
  /** Deliveries started and not yet settled, with the bytes they carry. */
  const inFlight = new Map<Promise<void>, { stream: string; records: number; bytes: number }>();
  let chain: Promise<unknown> = Promise.resolve();
  /** Streams whose last delivery failed (their records are held again). */
  const failingStreams = new Set<string>();
  let lastError: BufferStatus['lastError'];
  let lastDeliveredAt: Date | undefined;

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    // The chain only orders deliveries; each delivery's own promise carries its outcome to its waiters.
    chain = next.catch(() => undefined);
    return next;
  };

  function bufferOf(stream: string): Buffered {
    let buf = buffers.get(stream);
    if (!buf) {
      buf = { records: [], bytes: 0 };
      buffers.set(stream, buf);
    }
    return buf;
  }

  let timersStopped = false;

  function armTimer(stream: string, buf: Buffered): void {
    if (timersStopped || buf.timer || buf.records.length === 0) return;
    buf.timer = setTimeout(() => {
      buf.timer = undefined;
      // Its outcome is in status() and in the rejection of any flushAll() waiting on these records.
      flushStream(stream).catch(() => undefined);
    }, hints.maxAgeMs);
    buf.timer.unref?.();
  }

  function take(stream: string): Buffered | undefined {
    const buf = buffers.get(stream);
    if (!buf || buf.records.length === 0) return undefined;
    if (buf.timer) clearTimeout(buf.timer);
    buffers.delete(stream);
    return buf;
  }

  function requeue(stream: string, taken: Buffered): void {
    const buf = bufferOf(stream);
    buf.records = [...taken.records, ...buf.records];
    buf.bytes += taken.bytes;
    armTimer(stream, buf);
  }

  function flushStream(stream: string): Promise<void> {
    const taken = take(stream);
    if (!taken) return Promise.resolve();
    const delivery = serial(() => deliver(stream, taken.records)).then(
      () => {
        inFlight.delete(delivery);
        failingStreams.delete(stream);
        lastDeliveredAt = new Date();
      },
      (err: unknown) => {
        inFlight.delete(delivery);
        requeue(stream, taken);
        failingStreams.add(stream);
        const e = err as { message?: unknown; code?: unknown };
        lastError = {
          message: String(e?.message ?? err),
          ...(typeof e?.code === 'string' ? { code: e.code } : {}),
          at: new Date(),
        };
        throw err;
      },
    );
    inFlight.set(delivery, { stream, records: taken.records.length, bytes: taken.bytes });
    return delivery;
  }

  function heldBytes(stream: string): number {
    let n = buffers.get(stream)?.bytes ?? 0;
    for (const d of inFlight.values()) if (d.stream === stream) n += d.bytes;
    return n;
  }

  async function add(stream: string, records: readonly Buffer[]): Promise<void> {
    if (hints.maxBacklogBytes !== undefined && records.length > 0 && heldBytes(stream) >= hints.maxBacklogBytes) {
      throw new BufferBacklogFullError(
        `delivery stream ${stream} holds ${heldBytes(stream)} undelivered bytes (bound ${hints.maxBacklogBytes}): not accepting more`,
      );
    }
    const buf = bufferOf(stream);
    for (const r of records) {
      buf.records.push(Buffer.from(r));
      buf.bytes += r.length;
    }
    if (buf.bytes >= hints.maxBytes) {
      // The records are held whatever the outcome; the failure is reported by status() and flushAll().
      await flushStream(stream).catch(() => undefined);
    } else {
      armTimer(stream, buf);
    }
  }

  async function flushAll(): Promise<void> {
    const waits = [...inFlight.keys(), ...[...buffers.keys()].map((s) => flushStream(s))];
    const results = await Promise.allSettled(waits);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  function status(): BufferStatus {
    let records = 0;
    let bytes = 0;
    for (const b of buffers.values()) {
      records += b.records.length;
      bytes += b.bytes;
    }
    for (const d of inFlight.values()) {
      records += d.records;
      bytes += d.bytes;
    }
    return {
      records,
      bytes,
      failing: failingStreams.size > 0,
      ...(lastError ? { lastError } : {}),
      ...(lastDeliveredAt ? { lastDeliveredAt } : {}),
    };
  }

  function stopTimers(): void {
    timersStopped = true;
    for (const b of buffers.values()) {
      if (b.timer) clearTimeout(b.timer);
      b.timer = undefined;
    }
  }

  return { add, flushAll, status, stopTimers };
}
