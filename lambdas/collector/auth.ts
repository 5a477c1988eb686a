/** Write key from `Authorization: Basic base64("KEY:")` (Segment SDKs) or from the body's `writeKey`. */

export function writeKeyFromHeader(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  // The key is the user name; the password is empty (Segment) or ignored.
  const colon = decoded.indexOf(':');
  const key = colon >= 0 ? decoded.slice(0, colon) : decoded;
  return key.length > 0 && key.length <= 256 ? key : undefined;
}

export function writeKeyFromBody(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const k = (body as Record<string, unknown>).writeKey;
  return typeof k === 'string' && k.length > 0 && k.length <= 256 ? k : undefined;
}
