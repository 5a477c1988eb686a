/**
 * One graceful stop per process: the first stop signal starts it, later ones (npm relaying the same
 * Ctrl-C, an impatient second Ctrl-C) only report that the flush is running and never cut it short.
 * Signals are delivered with process.emit, which calls the same listeners a real signal does; the
 * spawned-process tests in test/e2e/local-cli.e2e.test.ts send real ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { onStopSignals, STOP_SIGNALS } from '../../cli/stop-signals.js';

const before = Object.fromEntries(STOP_SIGNALS.map((s) => [s, process.listenerCount(s)]));
afterEach(() => {
  for (const s of STOP_SIGNALS) expect(process.listenerCount(s)).toBe(before[s]);
});

describe('onStopSignals', () => {
  it.each(STOP_SIGNALS)('%s stops once; repeated signals while flushing are reported, not obeyed', async (first) => {
    const calls: string[] = [];
    let finish!: () => void;
    const handle = onStopSignals({
      stop: (sig) => {
        calls.push(`stop ${sig}`);
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
      onStopping: (sig) => calls.push(`stopping ${sig}`),
      onRepeat: (sig, n) => calls.push(`repeat ${sig} ${n}`),
    });
    process.emit(first);
    process.emit('SIGINT');
    process.emit('SIGTERM');
    expect(calls).toEqual([`stopping ${first}`, `stop ${first}`, 'repeat SIGINT 1', 'repeat SIGTERM 2']);
    finish();
    await expect(handle.stopped).resolves.toBe(first);
    handle.dispose();
  });

  it('a failing stop rejects stopped', async () => {
    const handle = onStopSignals({ stop: () => Promise.reject(new Error('lake unwritable')) });
    process.emit('SIGHUP');
    await expect(handle.stopped).rejects.toThrow('lake unwritable');
    handle.dispose();
  });
});
