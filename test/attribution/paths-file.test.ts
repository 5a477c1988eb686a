/**
 * ChannelAttribution path files: accepted shapes and the errors a user gets (with line numbers).
 */
import { describe, expect, it } from 'vitest';
import { pathChannels, splitPath, totalsOf } from '../../domain/attribution/paths.js';
import { parsePathsText } from '../../domain/attribution/paths-file.js';

describe('path file parsing', () => {
  it('reads the 4-column format with a header', () => {
    const { table, hasNullColumn } = parsePathsText(
      'path;total_conversions;total_conversion_value;total_null\neta > iota > alpha > eta;1;0.244;3\nbeta;44;78.14;169\n',
    );
    expect(hasNullColumn).toBe(true);
    expect(table.size).toBe(2);
    expect(pathChannels(table, 0)).toEqual(['eta', 'iota', 'alpha', 'eta']);
    expect(totalsOf(table)).toEqual({ conversions: 45, value: 0.244 + 78.14, nulls: 172 });
  });

  it('reads it without a header, with CRLF line ends and blank lines', () => {
    const { table } = parsePathsText('a > b;2;3.5;1\r\n\r\nb;0;0;4\r\n');
    expect(table.size).toBe(2);
    expect(totalsOf(table).nulls).toBe(5);
  });

  it('finds columns by header name in any order; missing value/null columns are zero', () => {
    const { table, hasNullColumn, hasValueColumn } = parsePathsText('total_conversions;path\n3;x > y\n');
    expect(hasNullColumn).toBe(false);
    expect(hasValueColumn).toBe(false);
    expect(pathChannels(table, 0)).toEqual(['x', 'y']);
    expect(totalsOf(table)).toEqual({ conversions: 3, value: 0, nulls: 0 });
  });

  it('trims channels and drops empty pieces like ChannelAttribution', () => {
    expect(splitPath(' a  >>  b > ')).toEqual(['a', 'b']);
    expect(pathChannels(parsePathsText('"a > b";1;0;0\n').table, 0)).toEqual(['a', 'b']);
  });

  it('names the line of a bad number, a wrong field count, an empty path, a negative count', () => {
    expect(() => parsePathsText('path;total_conversions;total_conversion_value;total_null\na;1;0;0\nb;x;0;0\n')).toThrow(
      /line 3: total_conversions is not a number: "x"/,
    );
    expect(() => parsePathsText('a;1;0;0\nb;1;0\n')).toThrow(/line 2: expected 4 fields separated by ';', got 3/);
    expect(() => parsePathsText('a;1;0;0\n > ;1;0;0\n')).toThrow(/line 2: empty path/);
    expect(() => parsePathsText('a;1;0;0\nb;-1;0;0\n')).toThrow(/line 2: total_conversions must be a finite number >= 0/);
    expect(() => parsePathsText('a,1,0,0\n')).toThrow(/line 1: expected path;total_conversions;total_conversion_value;total_null/);
    expect(() => parsePathsText('journey;conversions\nx;1\n')).toThrow(/line 1: header must name the columns/);
    expect(() => parsePathsText('path;total_conversions;total_conversion_value;total_null\n')).toThrow(/no paths found/);
  });
});
