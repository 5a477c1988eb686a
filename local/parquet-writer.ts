/**
 * Lake rows -> Parquet files in the S3 layout, with DuckDB: one new file per (table, event_date) under
 *   <rootDir>/<table>/event_date=YYYY-MM-DD/part-<yyyyMMddHHmmssSSS>-<uuid>.parquet
 * with the columns and types of schemas/lake.ts. A file is written under a temporary name and renamed,
 * so a reader never sees half a file, and a name is never reused (nothing is overwritten). A write that
 * fails (disk full, a folder that is not writable or not a folder) removes its temporary file and
 * rejects; files of other dates written by the same call stay, as complete files.
 */
import { randomUUID } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdbColumns, eventDateOf, LAKE_TABLES, type LakeColumnType, type LakeTableName } from '../schemas/index.js';
import { partFileName, partitionPrefix } from '../sql/index.js';
import type { LakeRow } from './lake-records.js';

export interface ParquetWriterOptions {
  /** Absolute lake root. */
  readonly rootDir: string;
  readonly compression: 'zstd' | 'snappy';
  /** The file operations done from Node (DuckDB writes the file itself); tests inject faults here. */
  readonly fs?: ParquetFs;
}

/** The part of node:fs/promises the writer uses around DuckDB's COPY. */
export type ParquetFs = Pick<typeof fsp, 'mkdir' | 'rename' | 'rm'>;

export interface ParquetWriter {
  /** Parquet files written so far (absolute paths), in write order. */
  readonly filesWritten: readonly string[];
  /**
   * Write rows of `table`, one file per event_date (rows without one take the date of `at`); `at` also
   * stamps the file names. Calls must not overlap.
   */
  writeRows(table: LakeTableName, rows: readonly LakeRow[], at: Date): Promise<void>;
  close(): Promise<void>;
}

export function createParquetWriter(opts: ParquetWriterOptions): ParquetWriter {
  const { rootDir, compression } = opts;
  const fs: ParquetFs = opts.fs ?? fsp;
  const files: string[] = [];
  let db: Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> | undefined;

  const connect = () => {
    db ??= (async () => {
      const instance = await DuckDBInstance.create(':memory:');
      return { instance, conn: await instance.connect() };
    })();
    return db;
  };

  async function writeRows(table: LakeTableName, rows: readonly LakeRow[], at: Date): Promise<void> {
    if (rows.length === 0) return;
    const { conn } = await connect();
    const byDate = new Map<string, LakeRow[]>();
    for (const row of rows) {
      const date = (row.event_date as string | null) ?? eventDateOf(at);
      const list = byDate.get(date) ?? [];
      list.push(row);
      byDate.set(date, list);
    }
    const cols = duckdbColumns(table);
    const types = LAKE_TABLES[table].map((c) => c.type as LakeColumnType);
    for (const [date, list] of [...byDate.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      // Stage: timestamps as VARCHAR (the wire form), cast to TIMESTAMP_MS when copying out.
      const stage = `stage_${table}`;
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE ${stage} (${cols
          .map((c, i) => `${c.name} ${types[i] === 'timestamp' ? 'VARCHAR' : c.type}`)
          .join(', ')})`,
      );
      const appender = await conn.createAppender(stage);
      for (const row of list) {
        for (const [i, c] of cols.entries()) append(appender, types[i]!, row[c.name] ?? null);
        appender.endRow();
      }
      appender.closeSync();
      const dir = path.join(rootDir, partitionPrefix(table, date));
      const name = partFileName(at, randomUUID());
      const tmp = path.join(dir, `.${name}.tmp`);
      const final = path.join(dir, name);
      const select = cols.map((c, i) => (types[i] === 'timestamp' ? `CAST(${c.name} AS TIMESTAMP_MS) AS ${c.name}` : c.name));
      try {
        await fs.mkdir(dir, { recursive: true });
        await conn.run(
          `COPY (SELECT ${select.join(', ')} FROM ${stage}) TO '${tmp.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION ${compression})`,
        );
        await fs.rename(tmp, final);
      } catch (err) {
        // A half-written temporary file would hold the space the retry needs; readers skip it anyway.
        await fs.rm(tmp, { force: true }).catch(() => undefined);
        throw err;
      } finally {
        await conn.run(`DROP TABLE IF EXISTS ${stage}`);
      }
      files.push(final);
    }
  }

  async function close(): Promise<void> {
    if (!db) return;
    const { instance, conn } = await db;
    conn.closeSync();
    instance.closeSync();
  }

  return {
    get filesWritten() {
      return files;
    },
    writeRows,
    close,
  };
}

function append(a: DuckDBAppender, type: LakeColumnType, v: string | number | boolean | null): void {
  if (v === null) {
    a.appendNull();
    return;
  }
  switch (type) {
    case 'string':
    case 'timestamp':
      a.appendVarchar(String(v));
      break;
    case 'int':
      a.appendInteger(Number(v));
      break;
    case 'bigint':
      a.appendBigInt(BigInt(v as number));
      break;
    case 'double':
      a.appendDouble(Number(v));
      break;
    case 'boolean':
      a.appendBoolean(Boolean(v));
      break;
  }
}
