/** Cut a string to at most maxBytes of UTF-8 without splitting a character. */
export function cutUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return { text, truncated: false };
  let end = maxBytes;
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--; // back off continuation bytes
  return { text: buf.subarray(0, end).toString('utf8'), truncated: true };
}
