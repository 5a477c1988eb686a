/**
 * A minimal SQS for tests: a node:http server speaking the AWS JSON 1.0 protocol that
 * @aws-sdk/client-sqs uses (POST /, X-Amz-Target: AmazonSQS.<Action>, application/x-amz-json-1.0).
 * SendMessage, ReceiveMessage (visibility timeout on an injectable clock) and DeleteMessage, with the
 * MD5 digests the SDK verifies and the real error shapes (__type + message, x-amzn-query-error).
 * Fault injection: `failNext(action, n)` answers the next n calls with InternalError (HTTP 500).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredMessage {
  id: string;
  body: string;
  visibleAt: number;
  receipt?: string;
  receiveCount: number;
}

export interface SqsStandIn {
  endpoint: string;
  queueUrl(name: string): string;
  /** Messages in a queue, visible or in flight (inspection). */
  messages(name: string): Array<{ id: string; body: string; inFlight: boolean; receiveCount: number }>;
  failNext(action: 'ReceiveMessage' | 'DeleteMessage' | 'SendMessage', times: number): void;
  /** Move the clock on (visibility timeouts) without sleeping. */
  advance(ms: number): void;
  close(): Promise<void>;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

export async function startSqsStandIn(): Promise<SqsStandIn> {
  const queues = new Map<string, StoredMessage[]>();
  const faults = new Map<string, number>();
  let clock = 0;
  let base = '';

  const queueOf = (url: unknown): StoredMessage[] | undefined => {
    if (typeof url !== 'string' || !url.startsWith(base)) return undefined;
    const name = url.slice(base.length).split('/').pop()!;
    if (!queues.has(name)) queues.set(name, []);
    return queues.get(name);
  };

  const send = (res: ServerResponse, status: number, body: unknown, queryError?: string) => {
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() };
    if (queryError) headers['x-amzn-query-error'] = queryError;
    res.writeHead(status, headers).end(text);
  };
  const error = (res: ServerResponse, status: number, type: string, message: string, query: string) =>
    send(res, status, { __type: `com.amazonaws.sqs#${type}`, message }, `${query};${status < 500 ? 'Sender' : 'Receiver'}`);

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const action = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch {
      return error(res, 400, 'InvalidParameterValue', 'body is not JSON', 'InvalidParameterValue');
    }
    const pending = faults.get(action) ?? 0;
    if (pending > 0) {
      faults.set(action, pending - 1);
      return error(res, 500, 'InternalError', 'We encountered an internal error. Please try again.', 'InternalError');
    }
    const q = queueOf(input.QueueUrl);
    if (!q) return error(res, 400, 'QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
    switch (action) {
      case 'SendMessage': {
        const body = String(input.MessageBody ?? '');
        const m: StoredMessage = { id: randomUUID(), body, visibleAt: clock, receiveCount: 0 };
        q.push(m);
        return send(res, 200, { MessageId: m.id, MD5OfMessageBody: md5(body) });
      }
      case 'ReceiveMessage': {
        const max = Math.min(Number(input.MaxNumberOfMessages ?? 1), 10);
        const visibility = Number(input.VisibilityTimeout ?? 30) * 1000;
        const out = q.filter((m) => m.visibleAt <= clock).slice(0, max);
        for (const m of out) {
          m.visibleAt = clock + visibility;
          m.receipt = randomUUID();
          m.receiveCount++;
        }
        return send(res, 200, {
          Messages: out.map((m) => ({ MessageId: m.id, ReceiptHandle: m.receipt, MD5OfBody: md5(m.body), Body: m.body })),
        });
      }
      case 'DeleteMessage': {
        const i = q.findIndex((m) => m.receipt !== undefined && m.receipt === input.ReceiptHandle);
        if (i < 0) return error(res, 400, 'ReceiptHandleIsInvalid', 'The input receipt handle is invalid.', 'ReceiptHandleIsInvalid');
        q.splice(i, 1);
        return send(res, 200, {});
      }
      default:
        return error(
          res,
          400,
          'UnsupportedOperation',
          `${action} is not supported by this stand-in`,
          'AWS.SimpleQueueService.UnsupportedOperation',
        );
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `${endpoint}/000000000000/`;

  return {
    endpoint,
    queueUrl: (name) => {
      if (!queues.has(name)) queues.set(name, []);
      return `${base}${name}`;
    },
    messages: (name) =>
      (queues.get(name) ?? []).map((m) => ({ id: m.id, body: m.body, inFlight: m.visibleAt > clock, receiveCount: m.receiveCount })),
    failNext: (action, times) => faults.set(action, times),
    advance: (ms) => {
      clock += ms;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
