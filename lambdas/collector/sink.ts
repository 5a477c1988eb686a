/** Where envelopes go: the Kinesis writer in production and locally; anything with the same contract in tests. */
export interface StreamRecord {
  partitionKey: string;
  data: Uint8Array;
}

export interface SinkResult {
  /** True only when every record is durably in the stream. */
  ok: boolean;
  written: number;
  failed: number;
  attempts: number;
  /** Last error code seen (no payload data). */
  lastError?: string;
}

export interface EnvelopeSink {
  put(records: StreamRecord[]): Promise<SinkResult>;
}
