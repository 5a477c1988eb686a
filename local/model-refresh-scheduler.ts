/**
 * Keeps the journey models current while the local pipeline runs: after a lake flush, a refresh is
 * scheduled; refreshes never overlap, requests that arrive during one are folded into a single next
 * run, and runs are at least `minIntervalMs` apart so a stream of 200 ms batches does not refresh five
 * times a second. A failed refresh is reported and retried on the next flush: the models are derived
 * from the lake, so ingestion never waits for them.
 */
export interface ModelRefreshScheduler {
  /** Ask for a refresh soon. */
  schedule(): void;
  /** Resolves when no refresh is running or pending (the next one is started now, without the interval). */
  idle(): Promise<void>;
  /** Stop scheduling; resolves after a running refresh ends. */
  stop(): Promise<void>;
}

export function createModelRefreshScheduler(
  refresh: () => Promise<unknown>,
  opts: { minIntervalMs?: number; onError?: (err: unknown) => void } = {},
): ModelRefreshScheduler {
  const minIntervalMs = opts.minIntervalMs ?? 2_000;
  let running: Promise<void> | undefined;
  let pending = false;
  let timer: NodeJS.Timeout | undefined;
  let lastStart = 0;
  let stopped = false;

  const start = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    pending = false;
    lastStart = Date.now();
    running = refresh()
      .then(
        () => undefined,
        (err) => opts.onError?.(err),
      )
      .finally(() => {
        running = undefined;
        if (pending && !stopped) kick();
      });
    return running;
  };

  const kick = () => {
    if (stopped || running || timer) return;
    const wait = Math.max(0, lastStart + minIntervalMs - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      void start();
    }, wait);
    timer.unref?.();
  };

  return {
    schedule() {
      pending = true;
      kick();
    },
    async idle() {
      for (;;) {
        if (running) await running;
        else if (pending || timer) await start();
        else return;
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (running) await running;
    },
  };
}
