/**
 * Raw-socket clients for hostile-input tests: requests no well-behaved HTTP client can send (aborted
 * uploads, broken framing, odd request targets), written byte for byte on a TCP connection.
 */
import { connect, type Socket } from 'node:net';

/** Sends `head` (and `body`) and hangs up at once, before the promised Content-Length arrives. */
export function abortedUpload(port: number, head: string, body = ''): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(head + body, () => {
        s.destroy();
        resolve();
      });
    });
    s.on('error', () => resolve());
  });
}

/**
 * Writes `raw` and collects what the server sends until it closes the connection (or `idleMs` of
 * silence after the first byte). Resolves with the status code of the first response line, or
 * undefined when the server closed without answering.
 */
export function rawExchange(port: number, raw: Buffer | string, idleMs = 200): Promise<{ status?: number; text: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const s: Socket = connect(port, '127.0.0.1', () => s.end(raw));
    // Liveness only: a server that neither answers nor closes is reported as "no answer", not a hang.
    const giveUp = setTimeout(() => finish(), 10_000);
    const finish = () => {
      if (timer) clearTimeout(timer);
      clearTimeout(giveUp);
      s.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve(m ? { status: Number(m[1]), text } : { text });
    };
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      if (timer) clearTimeout(timer);
      timer = setTimeout(finish, idleMs);
    });
    s.on('close', finish);
    s.on('error', () => {});
  });
}

/** A request target + method + headers as a raw HTTP/1.1 request with a JSON body. */
export function rawRequest(opts: { method?: string; target: string; headers?: Record<string, string>; body?: Buffer | string }): Buffer {
  const body = opts.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8');
  const headers = { host: '127.0.0.1', connection: 'close', 'content-length': String(body.length), ...opts.headers };
  const head = `${opts.method ?? 'POST'} ${opts.target} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
