/** One query interface, two engines: DuckDB over the local lake, Athena over S3. */
export interface QueryResult<T> {
  readonly rows: T[];
  readonly columns: string[];
  /** Bytes the engine read (Athena's DataScannedInBytes; undefined for DuckDB). */
  readonly bytesScanned?: number;
}

export interface QueryEngine {
  /**
   * Run one statement. Values come back as plain JS: integers and decimals as numbers, timestamps as
   * ISO-8601 UTC strings ('2024-05-01T10:00:00.000Z'), dates as 'YYYY-MM-DD', arrays as arrays.
   */
  query<T = Record<string, unknown>>(sql: string): Promise<QueryResult<T>>;
  close(): Promise<void>;
}
