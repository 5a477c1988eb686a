/** Small, total URL helpers: malformed input yields undefined, never a throw. */

export function parseUrl(text: string | undefined): URL | undefined {
  if (!text) return undefined;
  try {
    return new URL(text);
  } catch {
    // Some SDKs send a bare path or host; a base makes the query string readable anyway.
    try {
      return new URL(text, 'http://unknown.invalid');
    } catch {
      return undefined;
    }
  }
}

/** Host without a leading "www." and lower-cased; undefined for relative or unparsable URLs. */
export function hostOf(text: string | undefined): string | undefined {
  const url = parseUrl(text);
  if (!url || url.hostname === 'unknown.invalid' || !url.hostname) return undefined;
  return url.hostname.toLowerCase().replace(/^www\./, '');
}

/** Query parameters of a page URL, falling back to context.page.search ("?a=b"). */
export function queryParams(url: string | undefined, search?: string): URLSearchParams {
  const parsed = parseUrl(url);
  if (parsed?.search) return parsed.searchParams;
  if (search) return new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  return new URLSearchParams();
}
