/**
 * ChannelAttribution's path file: `path;total_conversions;total_conversion_value;total_null`.
 *
 * - The header is optional. With a header, columns are found by name (any order; value and null
 *   columns may be absent). Without one, rows are positional: 4 fields, or 2 (path;conversions).
 * - Channels are joined by ' > ' (trimmed, empty pieces dropped, as ChannelAttribution does).
 * - A field may be wrapped in double quotes (spreadsheet exports); ',' is NOT a separator because
 *   channel names may contain commas.
 * Errors name the line so a user can fix the file. Pure: feed it lines, it never reads files.
 */
import { AttributionInputError, type PathTable, PathTableBuilder } from './paths.js';

export const PATH_FILE_COLUMNS = ['path', 'total_conversions', 'total_conversion_value', 'total_null'] as const;

interface Layout {
  path: number;
  conversions: number;
  value: number; // -1 when absent
  nulls: number; // -1 when absent
  fields: number;
}

const POSITIONAL4: Layout = { path: 0, conversions: 1, value: 2, nulls: 3, fields: 4 };
const POSITIONAL2: Layout = { path: 0, conversions: 1, value: -1, nulls: -1, fields: 2 };

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/""/g, '"');
  return t;
}

function parseNumber(raw: string, column: string, line: number): number {
  const s = unquote(raw);
  if (s === '') return 0; // an empty cell means none (ChannelAttribution exports write 0)
  // Number('') and Number('  ') are 0 and Number('1e3') is 1000: check the shape explicitly.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    throw new AttributionInputError(`line ${line}: ${column} is not a number: "${s.slice(0, 40)}"`);
  }
  return Number(s);
}

export class PathsFileParser {
  private readonly builder = new PathTableBuilder();
  private layout: Layout | undefined;
  private lineNo = 0;
  private sawNullColumn = false;
  private sawValueColumn = false;

  /** Feed one line (without its newline). */
  line(raw: string): void {
    this.lineNo++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    const fields = text.split(';');
    if (this.layout === undefined) {
      const header = this.headerLayout(fields);
      if (header) {
        this.layout = header;
        return;
      }
      if (fields.length === 4) this.layout = POSITIONAL4;
      else if (fields.length === 2) this.layout = POSITIONAL2;
      else {
        throw new AttributionInputError(
          `line ${this.lineNo}: expected ${PATH_FILE_COLUMNS.join(';')} (4 fields separated by ';', or path;total_conversions), ` +
            `got ${fields.length} field(s)` +
            (fields.length === 1 && /[,\t]/.test(text) ? " (fields are separated by ';', not ',' or tabs)" : ''),
        );
      }
      this.sawValueColumn = this.layout.value >= 0;
      this.sawNullColumn = this.layout.nulls >= 0;
    }
    const L = this.layout;
    if (fields.length !== L.fields) {
      throw new AttributionInputError(`line ${this.lineNo}: expected ${L.fields} fields separated by ';', got ${fields.length}`);
    }
    const path = unquote(fields[L.path]!);
    const conversions = parseNumber(fields[L.conversions]!, 'total_conversions', this.lineNo);
    const value = L.value >= 0 ? parseNumber(fields[L.value]!, 'total_conversion_value', this.lineNo) : 0;
    const nulls = L.nulls >= 0 ? parseNumber(fields[L.nulls]!, 'total_null', this.lineNo) : 0;
    this.builder.addPath(path, conversions, value, nulls, `line ${this.lineNo}`);
  }

  private headerLayout(fields: string[]): Layout | undefined {
    const names = fields.map((f) => unquote(f).toLowerCase());
    if (fields.length < 2) return undefined; // reported as a field-count error by the caller
    if (!names.includes('path')) {
      // Not a header: a data row's second field is numeric. Anything else is an unknown header.
      if (fields.length >= 2 && /^[\s"]*[+-]?[\d.]/.test(fields[1]!)) return undefined;
      throw new AttributionInputError(
        `line ${this.lineNo}: header must name the columns ${PATH_FILE_COLUMNS.join(';')} (found: ${names.join(';')})`,
      );
    }
    const at = (n: string) => names.indexOf(n);
    if (at('total_conversions') < 0) {
      throw new AttributionInputError(`line ${this.lineNo}: header has no total_conversions column`);
    }
    this.sawValueColumn = at('total_conversion_value') >= 0;
    this.sawNullColumn = at('total_null') >= 0;
    return {
      path: at('path'),
      conversions: at('total_conversions'),
      value: at('total_conversion_value'),
      nulls: at('total_null'),
      fields: fields.length,
    };
  }

  finish(): { table: PathTable; hasNullColumn: boolean; hasValueColumn: boolean } {
    if (this.builder.size === 0) {
      throw new AttributionInputError('no paths found (the file is empty or has only a header)');
    }
    return { table: this.builder.build(), hasNullColumn: this.sawNullColumn, hasValueColumn: this.sawValueColumn };
  }
}

export function parsePathsText(text: string): { table: PathTable; hasNullColumn: boolean; hasValueColumn: boolean } {
  const p = new PathsFileParser();
  for (const line of text.split('\n')) p.line(line);
  return p.finish();
}
