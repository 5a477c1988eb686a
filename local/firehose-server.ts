/**
 * A local Firehose endpoint speaking the real wire protocol (AWS JSON 1.1, X-Amz-Target
 * Firehose_20150804.<Operation>), so the processor's unmodified @aws-sdk/client-firehose calls work
 * offline. Records are base64-decoded and handed to a FirehoseSink (the lake writer).
 *
 * Operations: PutRecordBatch, PutRecord, DescribeDeliveryStream, ListDeliveryStreams. Limits are
 * enforced as the service does (500 records, 4 MiB a call, 1,000 KiB a record ->
 * InvalidArgumentException). Responses carry FailedPutCount and one RequestResponses entry per
 * record: { RecordId } or { ErrorCode, ErrorMessage }.
 *
 * Fault injection (tests only) imitates the real error shapes: per-record ServiceUnavailableException
 * inside a 200 response, or whole-call 5xx/4xx errors with a JSON `__type`.
 */

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { MAX_BYTES_PER_CALL, MAX_RECORD_BYTES, MAX_RECORDS_PER_CALL } from '../lambdas/index.js';
import type { FirehoseSink } from './firehose-sink.js';
import { capConnections } from './standin-guard.js';

const TARGET_PREFIX = 'Firehose_20150804.';

export interface FaultInjection {
  /** The next `n` records (across calls) fail with this per-record ErrorCode (default ServiceUnavailableException). */
  failNextRecords(n: number, code?: string): void;
  /** The next `n` calls fail as a whole (default 503 ServiceUnavailableException). */
  failNextCalls(n: number, opts?: { status?: number; code?: string }): void;
  /** Records whose bytes match always fail (an "undeliverable" record), until reset(). */
  failRecordsMatching(pred: (stream: string, data: Buffer) => boolean, code?: string): void;
  reset(): void;
}

export interface LocalFirehoseStats {
  calls: number;
  recordsAccepted: number;
  recordsFailed: number;
  byStream: Record<string, number>;
}

export interface LocalFirehose {
  /** http://127.0.0.1:PORT (AWS_ENDPOINT_URL_FIREHOSE for code that builds its own client). */
  endpoint: string;
  /** A client bound to it (HTTP/1.1, dummy credentials). */
  client: FirehoseClient;
  inject: FaultInjection;
  stats: LocalFirehoseStats;
  close(): Promise<void>;
}

export interface LocalFirehoseOptions {
  sink: FirehoseSink;
  port?: number;
  /** Known delivery streams; when given, other names answer ResourceNotFoundException. */
  streams?: string[];
  /** Whether close() also closes the sink (default false: the caller owns it). */
  closeSink?: boolean;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Larger bodies are refused unread: the largest valid call (4 MiB of records, base64 in JSON) fits. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_REQUEST_BYTES) return void chunks.push(c);
      req.removeAllListeners('data').resume();
      reject(new ApiError(413, 'InvalidArgumentException', `request body over ${MAX_REQUEST_BYTES} bytes`));
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startLocalFirehose(opts: LocalFirehoseOptions): Promise<LocalFirehose> {
  const { sink } = opts;
  const known = opts.streams ? new Set(opts.streams) : undefined;
  const stats: LocalFirehoseStats = { calls: 0, recordsAccepted: 0, recordsFailed: 0, byStream: {} };
  let failRecords = 0;
  let failRecordsCode = 'ServiceUnavailableException';
  let failCalls = 0;
  let failCallsOpts = { status: 503, code: 'ServiceUnavailableException' };
  const matchers: Array<{ pred: (stream: string, data: Buffer) => boolean; code: string }> = [];
  const created = Math.floor(Date.now() / 1000);

  const inject: FaultInjection = {
    failNextRecords(n, code = 'ServiceUnavailableException') {
      failRecords = n;
      failRecordsCode = code;
    },
    failNextCalls(n, o = {}) {
      failCalls = n;
      failCallsOpts = { status: o.status ?? 503, code: o.code ?? 'ServiceUnavailableException' };
    },
    failRecordsMatching(pred, code = 'ServiceUnavailableException') {
      matchers.push({ pred, code });
    },
    reset() {
      failRecords = 0;
      failCalls = 0;
      matchers.length = 0;
    },
  };

  const streamName = (input: Record<string, unknown>): string => {
    const name = input.DeliveryStreamName;
    if (typeof name !== 'string' || name.length === 0)
      throw new ApiError(400, 'InvalidArgumentException', 'DeliveryStreamName is required');
    if (known && !known.has(name))
      throw new ApiError(400, 'ResourceNotFoundException', `Firehose ${name} under account 000000000000 not found.`);
    return name;
  };

  const decodeRecord = (r: unknown): Buffer => {
    const data = (r as { Data?: unknown } | null)?.Data;
    if (typeof data !== 'string') throw new ApiError(400, 'InvalidArgumentException', 'Record.Data is required');
    const buf = Buffer.from(data, 'base64');
    if (buf.length > MAX_RECORD_BYTES) throw new ApiError(400, 'InvalidArgumentException', `Record size exceeds ${MAX_RECORD_BYTES} bytes`);
    return buf;
  };

  /** Accept or fail each record; deliver the accepted ones to the sink. */
  async function put(
    stream: string,
    records: Buffer[],
  ): Promise<Array<{ RecordId: string } | { ErrorCode: string; ErrorMessage: string }>> {
    const out: Array<{ RecordId: string } | { ErrorCode: string; ErrorMessage: string }> = [];
    const accepted: Buffer[] = [];
    const acceptedAt: number[] = [];
    for (const data of records) {
      const m = matchers.find((x) => x.pred(stream, data));
      if (m || failRecords > 0) {
        const code = m ? m.code : failRecordsCode;
        if (!m) failRecords--;
        out.push({ ErrorCode: code, ErrorMessage: code === 'ServiceUnavailableException' ? 'Slow down.' : 'Injected failure' });
        continue;
      }
      acceptedAt.push(out.length);
      out.push({
        RecordId: randomBytes(28)
          .toString('base64')
          .replace(/[^A-Za-z0-9]/g, '')
          .slice(0, 32),
      });
      accepted.push(data);
    }
    if (accepted.length > 0) {
      try {
        await sink.write(stream, accepted);
      } catch {
        // A sink that cannot buffer is the service failing those records, not the call.
        for (const i of acceptedAt) out[i] = { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Sink write failed' };
      }
    }
    for (const r of out) {
      if ('RecordId' in r) stats.recordsAccepted++;
      else stats.recordsFailed++;
    }
    stats.byStream[stream] = (stats.byStream[stream] ?? 0) + out.filter((r) => 'RecordId' in r).length;
    return out;
  }

  async function dispatch(op: string, input: Record<string, unknown>): Promise<unknown> {
    switch (op) {
      case 'PutRecordBatch': {
        const stream = streamName(input);
        const records = input.Records;
        if (!Array.isArray(records) || records.length === 0) {
          throw new ApiError(400, 'InvalidArgumentException', `Records must hold 1 to ${MAX_RECORDS_PER_CALL} entries`);
        }
        if (records.length > MAX_RECORDS_PER_CALL) {
          throw new ApiError(
            400,
            'InvalidArgumentException',
            "1 validation error detected: Value at 'records' failed to satisfy constraint: " +
              `Member must have length less than or equal to ${MAX_RECORDS_PER_CALL}`,
          );
        }
        const buffers = records.map(decodeRecord);
        const total = buffers.reduce((n, b) => n + b.length, 0);
        if (total > MAX_BYTES_PER_CALL)
          throw new ApiError(400, 'InvalidArgumentException', `Batch size exceeds ${MAX_BYTES_PER_CALL} bytes`);
        const responses = await put(stream, buffers);
        return { FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length, Encrypted: false, RequestResponses: responses };
      }
      case 'PutRecord': {
        const stream = streamName(input);
        const [r] = await put(stream, [decodeRecord(input.Record)]);
        if (r && 'ErrorCode' in r) throw new ApiError(503, r.ErrorCode, r.ErrorMessage);
        return { RecordId: (r as { RecordId: string }).RecordId, Encrypted: false };
      }
      case 'DescribeDeliveryStream': {
        const stream = streamName(input);
        return {
          DeliveryStreamDescription: {
            DeliveryStreamName: stream,
            DeliveryStreamARN: `arn:aws:firehose:us-east-1:000000000000:deliverystream/${stream}`,
            DeliveryStreamStatus: 'ACTIVE',
            DeliveryStreamType: 'DirectPut',
            VersionId: '1',
            CreateTimestamp: created,
            Destinations: [],
            HasMoreDestinations: false,
          },
        };
      }
      case 'ListDeliveryStreams': {
        const names = [...(known ?? new Set(Object.keys(stats.byStream)))].sort();
        const limit = typeof input.Limit === 'number' ? input.Limit : 10;
        const after = input.ExclusiveStartDeliveryStreamName;
        const start = typeof after === 'string' ? names.filter((n) => n > after) : names;
        return { DeliveryStreamNames: start.slice(0, limit), HasMoreDeliveryStreams: start.length > limit };
      }
      default:
        throw new ApiError(400, 'UnknownOperationException', `Operation ${op} is not supported by the local Firehose`);
    }
  }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomBytes(16).toString('hex'),
    });
    res.end(text);
  };

  const server = createServer(async (req, res) => {
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = await readBody(req);
      stats.calls++;
      if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
        throw new ApiError(400, 'UnknownOperationException', 'expected POST with X-Amz-Target Firehose_20150804.*');
      }
      if (failCalls > 0) {
        failCalls--;
        throw new ApiError(failCallsOpts.status, failCallsOpts.code, 'Injected failure');
      }
      let input: Record<string, unknown>;
      try {
        input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        throw new ApiError(400, 'SerializationException', 'body is not JSON');
      }
      send(res, 200, await dispatch(target.slice(TARGET_PREFIX.length), input));
    } catch (err) {
      if (err instanceof ApiError) send(res, err.status, { __type: err.type, message: err.message });
      else send(res, 500, { __type: 'InternalFailure', message: 'internal error' });
    }
  });
  capConnections(server); // slow or piled-up clients cost a bounded number of sockets
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new FirehoseClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint,
    client,
    inject,
    stats,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (opts.closeSink) await sink.close();
    },
  };
}
