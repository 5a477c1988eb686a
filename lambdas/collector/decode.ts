/**
 * Request body -> JSON value, with every refusal typed.
 *
 * gzip is recognised by Content-Encoding OR by its magic bytes, whatever the Content-Type says (the
 * RudderStack node SDK sends gzip labelled application/x-www-form-urlencoded). Inflation is capped at
 * the request limit (zlib maxOutputLength): a 1 KB gzip bomb that would expand to gigabytes stops at
 * 500 KB and is answered 413, without the memory ever being allocated.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { ResponseReason } from './http.js';

export type Decoded = { ok: true; value: unknown; bytes: number } | { ok: false; status: number; reason: ResponseReason; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function decodeBody(
  body: string | undefined,
  isBase64Encoded: boolean | undefined,
  contentEncoding: string | undefined,
  maxBytes: number,
): Decoded {
  if (body === undefined || body === '') return { ok: false, status: 400, reason: 'bad_json', message: 'empty body' };
  // Cheap pre-check before any allocation (base64 text is 4/3 of its bytes). A compressed body larger
  // than the limit cannot inflate to less than it (gzip adds at most a few bytes to incompressible data).
  const approxBytes = isBase64Encoded ? Math.floor((body.length * 3) / 4) : body.length;
  if (approxBytes > maxBytes + 1024) {
    return { ok: false, status: 413, reason: 'payload_too_large', message: `request body over ${maxBytes} bytes` };
  }
  const textFast = textBody(body, isBase64Encoded, contentEncoding, maxBytes);
  if (textFast) return textFast;
  let buf: Buffer = isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');

  const codings = (contentEncoding ?? '')
    .toLowerCase()
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'identity');
  if (codings.length > 1) return { ok: false, status: 415, reason: 'bad_encoding', message: 'only one content-encoding is supported' };
  const looksGzip = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  const coding = codings[0] ?? (looksGzip ? 'gzip' : undefined);

  if (coding) {
    const inflate =
      coding === 'gzip' || coding === 'x-gzip'
        ? gunzipSync
        : coding === 'deflate'
          ? inflateSync
          : coding === 'br'
            ? brotliDecompressSync
            : undefined;
    if (!inflate) return { ok: false, status: 415, reason: 'bad_encoding', message: 'unsupported content-encoding (gzip, deflate, br)' };
    try {
      buf = inflate(buf, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        return { ok: false, status: 413, reason: 'payload_too_large', message: `request body over ${maxBytes} bytes after decompression` };
      }
      return { ok: false, status: 400, reason: 'bad_encoding', message: `body could not be decoded as ${coding}` };
    }
  }
  if (buf.length > maxBytes) {
    return { ok: false, status: 413, reason: 'payload_too_large', message: `request body over ${maxBytes} bytes` };
  }

  let text: string;
  try {
    text = utf8.decode(buf); // strips a UTF-8 BOM, throws on invalid sequences
  } catch {
    return { ok: false, status: 400, reason: 'bad_encoding', message: 'body is not valid UTF-8' };
  }
  // A lone surrogate escaped as \ud800 is valid JSON but not valid Unicode: tolerated (JSON says so).
  try {
    return { ok: true, value: JSON.parse(text), bytes: buf.length };
  } catch {
    return { ok: false, status: 400, reason: 'bad_json', message: 'body is not valid JSON' };
  }
}

/**
 * A plain text body (not base64, no Content-Encoding) without surrogates: encoding it to UTF-8 and
 * decoding it back (the general path) would give the same string, minus a leading BOM, so it is parsed
 * as it is. Its size is counted in UTF-8 bytes all the same. Undefined: take the general path.
 */
function textBody(
  body: string,
  isBase64Encoded: boolean | undefined,
  contentEncoding: string | undefined,
  maxBytes: number,
): Decoded | undefined {
  if (isBase64Encoded || (contentEncoding !== undefined && contentEncoding.trim() !== '') || SURROGATE.test(body)) return undefined;
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > maxBytes) return { ok: false, status: 413, reason: 'payload_too_large', message: `request body over ${maxBytes} bytes` };
  try {
    return { ok: true, value: JSON.parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body), bytes };
  } catch {
    return { ok: false, status: 400, reason: 'bad_json', message: 'body is not valid JSON' };
  }
}

/** Any UTF-16 surrogate: such bodies go through the byte round trip, which replaces lone ones. */
const SURROGATE = /[\uD800-\uDFFF]/;
