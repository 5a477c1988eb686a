/**
 * What `threadline send` does to a file before posting: skipped lines by reason, the accepted event-time
 * range per route, and event-time order. Hand-computed cases, then properties over generated files.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptedRange, eventTimeOf, prepareHistory } from '../../cli/history.js';
import { EARLIEST_EVENT_DATE } from '../../schemas/index.js';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const DAY = 86_400_000;

describe('acceptedRange', () => {
  it('import: from the earliest date to 24 h ahead; batch: also at most 2 years (730 days) old', () => {
    expect(acceptedRange('import', NOW)).toEqual({ earliestMs: Date.parse(`${EARLIEST_EVENT_DATE}T00:00:00.000Z`), latestMs: NOW + DAY });
    // 2024-12-01T12:00Z is 730 days before 2026-12-01T12:00Z (2025 and 2026 are not leap years) and later than 2024-01-01
    expect(acceptedRange('batch', NOW)).toEqual({ earliestMs: Date.parse('2024-12-01T12:00:00.000Z'), latestMs: NOW + DAY });
    expect(acceptedRange('import', NOW, '2020-03-01').earliestMs).toBe(Date.parse('2020-03-01T00:00:00.000Z'));
  });
});

describe('prepareHistory', () => {
  it('skips bad lines with a reason each and sends the rest in event-time order, ties in file order', () => {
    const lines = [
      '{"messageId":"c","timestamp":"2026-11-03T00:00:00Z"}',
      '',
      '{"messageId":"a","timestamp":"2026-11-01T00:00:00Z"}',
      '{not json',
      '[1,2]',
      '"text"',
      '{"messageId":"old","timestamp":"2023-12-31T23:59:59Z"}',
      '{"messageId":"ahead","timestamp":"2026-12-02T12:00:01Z"}',
      '{"messageId":"bad-time","timestamp":"yesterday"}',
      '{"messageId":"b1","originalTimestamp":"2026-11-02T00:00:00Z"}',
      '{"messageId":"b2","timestamp":"2026-11-02T00:00:00Z"}',
      '{"messageId":"now"}',
      '{"messageId":"edge","timestamp":"2026-12-02T12:00:00Z"}',
    ];
    const p = prepareHistory(lines.join('\n'), acceptedRange('import', NOW), NOW);
    expect(p.events.map((e) => e.messageId)).toEqual(['a', 'b1', 'b2', 'c', 'now', 'edge']);
    expect(p.skipped.map((s) => [s.line, s.reason])).toEqual([
      [4, 'invalid_json'],
      [5, 'not_an_object'],
      [6, 'not_an_object'],
      [7, 'timestamp_out_of_range'],
      [8, 'timestamp_out_of_range'],
      [9, 'invalid_timestamp'],
    ]);
    expect(p.skippedByReason).toEqual({ invalid_json: 1, not_an_object: 2, invalid_timestamp: 1, timestamp_out_of_range: 2 });
    expect(p.span).toEqual({ fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: NOW + DAY });
  });

  it('the live route refuses what only /v1/import accepts', () => {
    const text = '{"messageId":"y","timestamp":"2024-06-01T00:00:00Z"}';
    expect(prepareHistory(text, acceptedRange('import', NOW), NOW).events).toHaveLength(1);
    expect(prepareHistory(text, acceptedRange('batch', NOW), NOW).skippedByReason.timestamp_out_of_range).toBe(1);
  });

  it('properties: output sorted, in range, and every non-blank line either kept or skipped exactly once', () => {
    const range = acceptedRange('import', NOW);
    const line = fc.oneof(
      fc
        .integer({ min: range.earliestMs - 30 * DAY, max: range.latestMs + 30 * DAY })
        .map((t) => JSON.stringify({ timestamp: new Date(t).toISOString() })),
      fc.constant('{}'),
      fc.constant('{"timestamp":"not a date"}'),
      fc.constant('[]'),
      fc.constant('{oops'),
      fc.constant('   '),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), (lines) => {
        const p = prepareHistory(lines.join('\n'), range, NOW);
        const times = p.events.map((e) => eventTimeOf(e) ?? NOW);
        for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
        for (const t of times) expect(t >= range.earliestMs && t <= range.latestMs).toBe(true);
        const nonBlank = lines.filter((l) => l.trim() !== '').length;
        expect(p.events.length + p.skipped.length).toBe(nonBlank);
        expect(Object.values(p.skippedByReason).reduce((a, b) => a + b, 0)).toBe(p.skipped.length);
      }),
    );
  });
});
