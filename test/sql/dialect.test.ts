/** The dialect helpers: the one place Athena and DuckDB renderings differ. */
import { describe, expect, it } from 'vitest';
import { dialectFor, ident, inList, intervalLiteral, lit } from '../../sql/dialect.js';

describe('dialect helpers', () => {
  it('elapsed time: Trino date_diff vs DuckDB date_sub (elapsed, not boundaries)', () => {
    expect(dialectFor('athena').msBetween('a', 'b')).toBe("date_diff('millisecond', a, b)");
    expect(dialectFor('duckdb').msBetween('a', 'b')).toBe("date_sub('millisecond', a, b)");
  });
  it('arrays and JSON', () => {
    expect(dialectFor('athena').arrayJoin('x', "' > '")).toBe("array_join(x, ' > ')");
    expect(dialectFor('duckdb').arrayJoin('x', "' > '")).toBe("array_to_string(x, ' > ')");
    expect(dialectFor('athena').arraySize('x')).toBe('cardinality(x)');
    expect(dialectFor('duckdb').arraySize('x')).toBe('len(x)');
    expect(dialectFor('athena').jsonString('properties', '$.sku')).toBe("json_extract_scalar(properties, '$.sku')");
    expect(dialectFor('duckdb').jsonString('properties', '$.sku')).toBe("json_extract_string(properties, '$.sku')");
  });
  it('intervals in the largest exact unit', () => {
    expect(intervalLiteral(30 * 86_400)).toBe("INTERVAL '30' DAY");
    expect(intervalLiteral(1.5 * 86_400)).toBe("INTERVAL '36' HOUR");
    expect(intervalLiteral(45 * 60)).toBe("INTERVAL '45' MINUTE");
    expect(intervalLiteral(61)).toBe("INTERVAL '61' SECOND");
    expect(() => intervalLiteral(-1)).toThrow();
  });
  it('quotes literals and refuses odd identifiers', () => {
    expect(lit("O'Brien")).toBe("'O''Brien'");
    expect(inList(['a', "b'c"])).toBe("('a', 'b''c')");
    expect(() => inList([])).toThrow();
    expect(() => ident('x; DROP')).toThrow();
  });
});
