/**
 * Throttling injected at a stand-in's HTTP front, with the service's own answers (tests and the fault
 * bench): whole calls refused with the throttling error the SDK classifies as retryable, and, for
 * Kinesis PutRecords, the partial failure a hot shard gives (some records with ErrorCode
 * ProvisionedThroughputExceededException in a 200 answer, FailedRecordCount set). The stand-in's store
 * never sees a refused call or record, as on AWS.
 */
import type { ServerResponse } from 'node:http';

/** A service's JSON error answer (the guard's ServerFault has the same shape; kept apart to avoid a cycle). */
interface ServiceAnswer {
  status: number;
  contentType: string;
  body: { __type: string; message: string };
}

export interface ThrottleFaults {
  /** The next `calls` requests for `operation` (e.g. 'PutRecords', 'BatchGetItem'; default any) are refused whole. */
  throttleNextCalls(calls: number, operation?: string): void;
  /**
   * Kinesis PutRecords only: in each of the next `calls` calls, every other record (the 2nd, 4th, ...)
   * fails with ProvisionedThroughputExceededException; a call of one record fails whole.
   */
  failRecordsOfNextCalls(calls: number): void;
  clear(): void;
  /** Requests refused whole and records failed so far. */
  readonly stats: { calls: number; records: number };
}

/** The front's view: answer the request (null) or hand this body on to the library. */
export interface ThrottleFront {
  readonly faults: ThrottleFaults;
  intercept(target: string | undefined, body: Buffer, res: ServerResponse): Buffer | null;
}

const THROTTLED: Record<'kinesis' | 'dynamodb', ServiceAnswer> = {
  kinesis: {
    status: 400,
    contentType: 'application/x-amz-json-1.1',
    body: { __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded for shard shardId-000000000000 in stream.' },
  },
  dynamodb: {
    status: 400,
    contentType: 'application/x-amz-json-1.0',
    body: {
      __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
      message:
        'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
    },
  },
};

const RECORD_THROTTLED = {
  ErrorCode: 'ProvisionedThroughputExceededException',
  ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream.',
};

function answer(res: ServerResponse, fault: ServiceAnswer): void {
  const body = JSON.stringify(fault.body);
  res.writeHead(fault.status, { 'content-type': fault.contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function throttleFront(service: 'kinesis' | 'dynamodb'): ThrottleFront {
  let whole: { calls: number; operation?: string } = { calls: 0 };
  let partialCalls = 0;
  const stats = { calls: 0, records: 0 };

  /** Hands on the even-indexed records and merges the library's answer with failures for the rest. */
  function partial(body: Buffer, res: ServerResponse): Buffer | null {
    let request: { Records?: unknown[] };
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      return body; // not JSON: the library answers it as it would
    }
    const records = Array.isArray(request.Records) ? request.Records : [];
    if (records.length < 2) {
      stats.calls++;
      answer(res, THROTTLED.kinesis);
      return null;
    }
    const kept = records.filter((_, i) => i % 2 === 0);
    const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
    res.end = ((chunk?: unknown) => {
      const text = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : typeof chunk === 'string' ? chunk : '';
      if (res.statusCode !== 200 || !text) return end(chunk);
      const out = JSON.parse(text) as { FailedRecordCount?: number; Records: unknown[] };
      const merged = records.map((_, i) => (i % 2 === 0 ? out.Records[i / 2] : RECORD_THROTTLED));
      const failed = records.length - kept.length;
      stats.records += failed;
      const rewritten = JSON.stringify({ ...out, FailedRecordCount: (out.FailedRecordCount ?? 0) + failed, Records: merged });
      res.setHeader('Content-Length', Buffer.byteLength(rewritten));
      return end(rewritten);
    }) as typeof res.end;
    return Buffer.from(JSON.stringify({ ...request, Records: kept }));
  }

  return {
    faults: {
      throttleNextCalls(calls, operation) {
        whole = { calls, ...(operation ? { operation } : {}) };
      },
      failRecordsOfNextCalls(calls) {
        partialCalls = calls;
      },
      clear() {
        whole = { calls: 0 };
        partialCalls = 0;
      },
      stats,
    },
    intercept(target, body, res) {
      const operation = target?.split('.').pop();
      if (whole.calls > 0 && (!whole.operation || whole.operation === operation)) {
        whole.calls--;
        stats.calls++;
        answer(res, THROTTLED[service]);
        return null;
      }
      if (service === 'kinesis' && partialCalls > 0 && operation === 'PutRecords') {
        partialCalls--;
        return partial(body, res);
      }
      return body;
    },
  };
}
