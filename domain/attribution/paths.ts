/**
 * Journeys as the attribution models consume them: one row per distinct path with its counts.
 *
 * A million paths as `string[]` each would cost hundreds of MB; a columnar table of channel ids
 * (Uint16 per touch) with Float64 counts keeps the 1M-path benchmark at tens of MB and lets every
 * model walk the touches without re-parsing strings. Pure: no I/O here.
 */

/** Separator of the channel_paths view and of ChannelAttribution's files. */
export const PATH_SEPARATOR = '>';

/** Channel ids are Uint16 and Markov state keys pack up to 4 ids in base 2^13 (< 2^53). */
export const MAX_CHANNELS = 8191;

export class AttributionInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttributionInputError';
  }
}

export interface PathTable {
  /** channel id -> name, in order of first appearance. */
  readonly channels: readonly string[];
  /** Touches of path i are ids[offsets[i] .. offsets[i+1]). */
  readonly offsets: Uint32Array;
  readonly ids: Uint16Array;
  readonly conversions: Float64Array;
  readonly values: Float64Array;
  readonly nulls: Float64Array;
  readonly size: number;
}

export interface PathRow {
  path: string;
  conversions: number;
  value?: number;
  nulls?: number;
}

/**
 * Splits a path the way ChannelAttribution does: on '>', each channel trimmed, empty pieces dropped
 * ("a >  > b" is a > b). Repeated channels are KEPT here: each model decides what a repeat means.
 */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  for (const piece of path.split(PATH_SEPARATOR)) {
    const name = piece.trim();
    if (name.length > 0) out.push(name);
  }
  return out;
}

/** What String.prototype.trim removes, for the characters that occur in practice. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0xfeff;
}

function checkCount(what: string, v: number, where: string): void {
  if (!Number.isFinite(v) || v < 0) {
    throw new AttributionInputError(`${where}: ${what} must be a finite number >= 0 (got ${String(v)})`);
  }
}

/** Growable columnar builder; interns channel names to ids. */
export class PathTableBuilder {
  private readonly channelIds = new Map<string, number>();
  private readonly channelNames: string[] = [];
  private offsets = new Uint32Array(1024);
  private ids = new Uint16Array(4096);
  private conv = new Float64Array(1024);
  private val = new Float64Array(1024);
  private nul = new Float64Array(1024);
  private n = 0;
  private touches = 0;

  channelId(name: string): number {
    let id = this.channelIds.get(name);
    if (id === undefined) {
      id = this.channelNames.length;
      if (id >= MAX_CHANNELS) {
        throw new AttributionInputError(`more than ${MAX_CHANNELS} distinct channels; group channels before attributing`);
      }
      this.channelIds.set(name, id);
      this.channelNames.push(name);
    }
    return id;
  }

  /** Adds a path given as a ' > '-joined string. `where` names the row in error messages. */
  addPath(path: string, conversions: number, value = 0, nulls = 0, where = 'path'): void {
    // Hot loop of the 1M-path benchmark: scan once, slice each trimmed name once (no split/trim
    // intermediates); same result as splitPath().
    const ids = this.scratch;
    ids.length = 0;
    const n = path.length;
    let i = 0;
    while (i <= n) {
      let j = path.indexOf(PATH_SEPARATOR, i);
      if (j < 0) j = n;
      let a = i;
      let b = j;
      while (a < b && isSpace(path.charCodeAt(a))) a++;
      while (b > a && isSpace(path.charCodeAt(b - 1))) b--;
      if (b > a) ids.push(this.channelId(path.slice(a, b)));
      i = j + 1;
    }
    if (ids.length === 0) throw new AttributionInputError(`${where}: empty path`);
    this.addIds(ids, conversions, value, nulls, where);
  }

  private readonly scratch: number[] = [];

  /** Adds a path of channel ids previously obtained from channelId(). */
  addIds(ids: ArrayLike<number>, conversions: number, value = 0, nulls = 0, where = 'path'): void {
    checkCount('total_conversions', conversions, where);
    checkCount('total_null', nulls, where);
    if (!Number.isFinite(value) || value < 0) {
      throw new AttributionInputError(`${where}: total_conversion_value must be a finite number >= 0 (got ${String(value)})`);
    }
    if (ids.length === 0) throw new AttributionInputError(`${where}: empty path`);
    this.reserve(ids.length);
    this.offsets[this.n] = this.touches;
    for (let i = 0; i < ids.length; i++) this.ids[this.touches++] = ids[i]!;
    this.conv[this.n] = conversions;
    this.val[this.n] = value;
    this.nul[this.n] = nulls;
    this.n++;
  }

  private reserve(extraTouches: number): void {
    if (this.n + 2 > this.offsets.length) {
      const cap = this.offsets.length * 2;
      this.offsets = grow(this.offsets, cap);
      this.conv = grow(this.conv, cap);
      this.val = grow(this.val, cap);
      this.nul = grow(this.nul, cap);
    }
    if (this.touches + extraTouches > this.ids.length) {
      this.ids = grow(this.ids, Math.max(this.ids.length * 2, this.touches + extraTouches));
    }
  }

  get size(): number {
    return this.n;
  }

  build(): PathTable {
    const offsets = this.offsets.slice(0, this.n + 1);
    offsets[this.n] = this.touches;
    return {
      channels: this.channelNames.slice(),
      offsets,
      ids: this.ids.slice(0, this.touches),
      conversions: this.conv.slice(0, this.n),
      values: this.val.slice(0, this.n),
      nulls: this.nul.slice(0, this.n),
      size: this.n,
    };
  }
}

function grow<T extends Uint32Array | Uint16Array | Float64Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

export function pathTableFromRows(rows: Iterable<PathRow>): PathTable {
  const b = new PathTableBuilder();
  let i = 0;
  for (const r of rows) {
    i++;
    b.addPath(r.path, r.conversions, r.value ?? 0, r.nulls ?? 0, `row ${i}`);
  }
  return b.build();
}

export interface PathTotals {
  conversions: number;
  value: number;
  nulls: number;
}

export function totalsOf(t: PathTable): PathTotals {
  let conversions = 0;
  let value = 0;
  let nulls = 0;
  for (let i = 0; i < t.size; i++) {
    conversions += t.conversions[i]!;
    value += t.values[i]!;
    nulls += t.nulls[i]!;
  }
  return { conversions, value, nulls };
}

/** Touches of path i as channel names (for tests and debugging, not hot loops). */
export function pathChannels(t: PathTable, i: number): string[] {
  const out: string[] = [];
  for (let k = t.offsets[i]!; k < t.offsets[i + 1]!; k++) out.push(t.channels[t.ids[k]!]!);
  return out;
}
