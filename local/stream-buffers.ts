/**
 * Firehose buffering hints: records are held per delivery stream until the stream's buffer reaches
 * maxBytes (SizeInMBs) or maxAgeMs has passed since its first buffered record (IntervalInSeconds), then
 * handed to `deliver`. Deliveries run one at a time, in the order they were started.
 */
export interface BufferingHints {
  readonly maxBytes: number;
  readonly maxAgeMs: number;
}

export interface StreamBuffers {
  /** Buffer copies of the records; resolves after delivering the stream's buffer when this filled it. */
  add(stream: string, records: readonly Buffer[]): Promise<void>;
  /**
   * Deliver every buffer and wait for deliveries under way. Rejects with the error of a delivery that
   * an age timer started, once, if one failed since the last call.
   */
  flushAll(): Promise<void>;
}

interface Buffered {
  records: Buffer[];
  bytes: number;
  timer?: NodeJS.Timeout;
}

export function createStreamBuffers(hints: BufferingHints, deliver: (stream: string, records: Buffer[]) => Promise<void>): StreamBuffers {
  const buffers = new Map<string, Buffered>();
  let chain: Promise<unknown> = Promise.resolve();
  let timerError: unknown;

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  function take(stream: string): Buffer[] {
    const buf = buffers.get(stream);
    if (!buf || buf.records.length === 0) return [];
    if (buf.timer) clearTimeout(buf.timer);
    buffers.delete(stream);
    return buf.records;
  }

  function flushStream(stream: string): Promise<void> {
    const records = take(stream);
    if (records.length === 0) return Promise.resolve();
    return serial(() => deliver(stream, records));
  }

  async function add(stream: string, records: readonly Buffer[]): Promise<void> {
    let buf = buffers.get(stream);
    if (!buf) {
      buf = { records: [], bytes: 0 };
      buffers.set(stream, buf);
    }
    for (const r of records) {
      buf.records.push(Buffer.from(r));
      buf.bytes += r.length;
    }
    if (buf.bytes >= hints.maxBytes) {
      await flushStream(stream);
    } else if (!buf.timer && buf.records.length > 0) {
      buf.timer = setTimeout(() => {
        flushStream(stream).catch((err) => {
          timerError = err;
        });
      }, hints.maxAgeMs);
      buf.timer.unref?.();
    }
  }

  async function flushAll(): Promise<void> {
    if (timerError) {
      const err = timerError;
      timerError = undefined;
      throw err;
    }
    await Promise.all([...buffers.keys()].map((s) => flushStream(s)));
    await chain;
  }

  return { add, flushAll };
}
