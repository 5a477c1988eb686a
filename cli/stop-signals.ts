/**
 * One graceful stop per process, whatever sends the signal: Ctrl-C in a terminal (SIGINT to the whole
 * foreground process group), `npm start` (npm relays the same SIGINT once more to its child, so the
 * process typically receives it twice), `kill` or a process manager (SIGTERM), or a closed terminal
 * (SIGHUP).
 *
 * The first signal starts the stop; later ones only say that the flush is still running. Exiting on a
 * repeated signal would turn npm's relay of a single Ctrl-C into an abandoned flush, so the only way to
 * abandon it is an explicit SIGKILL, which the message names (acknowledged events then stay in the
 * stream and are processed at the next start).
 */

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface StopSignalOptions {
  /** The clean shutdown; called once, on the first signal. */
  stop: (signal: StopSignal) => Promise<void>;
  /** Printed on the first signal. */
  onStopping?: (signal: StopSignal) => void;
  /** Printed on each later signal while stop() runs. */
  onRepeat?: (signal: StopSignal, count: number) => void;
}

export interface StopSignalHandle {
  /** Settles with stop()'s outcome once a signal has arrived and stop() has finished. */
  readonly stopped: Promise<StopSignal>;
  /** Removes the listeners (after a stop that did not come from a signal). */
  dispose(): void;
}

export function onStopSignals(opts: StopSignalOptions): StopSignalHandle {
  let first: StopSignal | undefined;
  let repeats = 0;
  let settle!: { resolve: (s: StopSignal) => void; reject: (e: unknown) => void };
  const stopped = new Promise<StopSignal>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = () => {
      if (first) {
        repeats++;
        opts.onRepeat?.(signal, repeats);
        return;
      }
      first = signal;
      opts.onStopping?.(signal);
      opts.stop(signal).then(
        () => settle.resolve(signal),
        (err: unknown) => settle.reject(err),
      );
    };
    // process.on, not once: with once, a second signal would find no listener and Node's default action
    // would kill the process in the middle of the flush.
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return {
    stopped,
    dispose() {
      for (const [signal, listener] of listeners) process.off(signal, listener);
    },
  };
}

/**
 * A terminal that has gone away (SIGHUP) makes writes to stdout/stderr fail with EIO or EPIPE; those
 * errors must not crash the process while it flushes.
 */
export function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}
