/**
 * A dead letter is only a pointer into the stream, so the processor must give up on a batch while the
 * stream still holds it, with a replay margin left: maxRecordAge <= (streamHours - replayMarginHours) h.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../lib/config.js';

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('record age vs stream retention', () => {
  it('hand-computed defaults: 24 h retention, 12 h margin, 6 h max age', () => {
    const c = resolveConfig();
    expect(c.retention.streamHours).toBe(24);
    expect(c.deadLetters.replayMarginHours).toBe(12);
    expect(c.processor.maxRecordAgeSeconds).toBe(6 * 3600);
  });

  it('refuses an age that reaches into the replay margin, and the infinite age', () => {
    expect(problems(() => resolveConfig({ processor: { maxRecordAgeSeconds: 43_200 } }))).toEqual([]);
    expect(problems(() => resolveConfig({ processor: { maxRecordAgeSeconds: 43_201 } }))).toEqual([
      'processor.maxRecordAgeSeconds: must be <= (retention.streamHours - deadLetters.replayMarginHours) x 3600 (43200) so dead letters stay replayable (got 43201)',
    ]);
    expect(problems(() => resolveConfig({ processor: { maxRecordAgeSeconds: -1 } }))).toHaveLength(1);
    // The old defaults (age = retention = 24 h) left no time at all to replay.
    expect(problems(() => resolveConfig({ processor: { maxRecordAgeSeconds: 86_400 } }))).toHaveLength(1);
    expect(problems(() => resolveConfig({ retention: { streamHours: 24 }, deadLetters: { replayMarginHours: 24 } }))).toHaveLength(1);
  });

  it('property: every accepted configuration leaves >= replayMarginHours between giving up and trimming', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 24, max: 8760 }),
        fc.integer({ min: 1, max: 200 }),
        fc.oneof(fc.constant(-1), fc.integer({ min: 60, max: 604_800 })),
        (streamHours, replayMarginHours, maxRecordAgeSeconds) => {
          let c: ReturnType<typeof resolveConfig>;
          try {
            c = resolveConfig({ retention: { streamHours }, deadLetters: { replayMarginHours }, processor: { maxRecordAgeSeconds } });
          } catch (err) {
            if (err instanceof ConfigError) return true;
            throw err;
          }
          return c.processor.maxRecordAgeSeconds > 0 && c.processor.maxRecordAgeSeconds + replayMarginHours * 3600 <= streamHours * 3600;
        },
      ),
    );
  });
});
