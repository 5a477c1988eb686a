import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toSql } from '../../cli/commands/query.js';
import { parseDuration } from '../../cli/duration.js';
import { UserError } from '../../cli/errors.js';
import { formatCsv, formatTable } from '../../cli/format.js';

describe('output formats', () => {
  it('table aligns columns and right-aligns numbers', () => {
    const t = formatTable([
      { channel: 'email', conversions: 3 },
      { channel: 'paid_search', conversions: 12.5 },
    ]);
    expect(t.split('\n')).toEqual([
      'channel      conversions',
      '-----------  -----------',
      'email                  3',
      'paid_search        12.50',
    ]);
  });

  it('csv quotes commas, quotes and newlines (RFC 4180) and round-trips', () => {
    const csv = formatCsv([{ path: 'a > b, c', note: 'say "hi"\nthere', n: 2, none: null }]);
    expect(csv).toBe('path,note,n,none\n"a > b, c","say ""hi""\nthere",2,\n');
  });

  it('csv: every row has as many fields as the header, for any strings', () => {
    // a tiny RFC 4180 reader, enough to count fields
    const fields = (line: string) => {
      let n = 1;
      let quoted = false;
      for (const ch of line) {
        if (ch === '"') quoted = !quoted;
        else if (ch === ',' && !quoted) n++;
      }
      return n;
    };
    fc.assert(
      fc.property(fc.array(fc.record({ a: fc.string(), b: fc.string() }), { minLength: 1, maxLength: 5 }), (rows) => {
        const text = formatCsv(rows);
        // split records on newlines outside quotes
        const records: string[] = [];
        let cur = '';
        let quoted = false;
        for (const ch of text) {
          if (ch === '"') quoted = !quoted;
          if (ch === '\n' && !quoted) {
            records.push(cur);
            cur = '';
          } else cur += ch;
        }
        expect(records).toHaveLength(rows.length + 1);
        for (const r of records) expect(fields(r)).toBe(2);
      }),
    );
  });
});

describe('durations and view names', () => {
  it('parses 7d, 12h, 30m, 45s and plain seconds', () => {
    expect(parseDuration('7d')).toBe(604_800);
    expect(parseDuration('12h')).toBe(43_200);
    expect(parseDuration('30m')).toBe(1_800);
    expect(parseDuration('45s')).toBe(45);
    expect(parseDuration('3600')).toBe(3_600);
    expect(parseDuration('1w')).toBe(604_800);
    expect(() => parseDuration('soon')).toThrow(UserError);
    expect(() => parseDuration('0d')).toThrow(/positive/);
  });

  it('a bare name is a checked view with a limit; anything else is SQL as given', () => {
    expect(toSql('journeys', 50)).toBe('SELECT * FROM journeys LIMIT 50');
    expect(toSql('events', 0)).toBe('SELECT * FROM events');
    expect(toSql(' SELECT 1 ', 50)).toBe('SELECT 1');
    expect(() => toSql('journeyz', 50)).toThrow(/unknown view or table "journeyz"/);
  });
});
