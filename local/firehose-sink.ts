/**
 * The seam between the local Firehose stand-in (an HTTP endpoint speaking the Firehose API, so the
 * processor's real @aws-sdk/client-firehose calls work unchanged) and what it delivers to
 * (the lake writer, which buffers by size and time and writes Parquet in the S3 layout).
 */
export interface FirehoseSink {
  /**
   * Accept records (raw bytes as the producer sent them) for one delivery stream. Resolves once the
   * records are durably buffered (in memory counts for the stand-in: flush() writes them out).
   */
  write(deliveryStreamName: string, records: Buffer[]): Promise<void>;
  /** Write out everything buffered. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
