/**
 * CORS for browser emitters.
 *
 * A preflight carries no write key (browsers never send Authorization on OPTIONS), so it cannot know
 * the source: it is answered for any origin, and the origin is enforced on the actual POST against the
 * global allow-list plus the source's own list (403 origin_not_allowed). When neither list names any
 * origin, any origin is allowed: restriction is opt-in per deployment or per source.
 */
// x-retry-count: analytics.js (analytics-next) adds it to every retry; without it here each retry after
// a 503 is CORS-blocked in the browser and the event is lost.
export const CORS_ALLOW_HEADERS = 'authorization, content-type, content-encoding, x-requested-with, x-retry-count';

export function preflightHeaders(origin: string | undefined): Record<string, string> {
  if (!origin) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, GET, OPTIONS',
    'access-control-allow-headers': CORS_ALLOW_HEADERS,
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}

export function originAllowed(
  origin: string | undefined,
  globalList: readonly string[],
  sourceList: readonly string[] | undefined,
): boolean {
  if (!origin) return true; // not a browser cross-origin request
  const lists = [...globalList, ...(sourceList ?? [])];
  if (lists.length === 0) return true;
  const o = origin.toLowerCase().replace(/\/$/, '');
  return lists.some((allowed) => allowed === '*' || allowed.toLowerCase().replace(/\/$/, '') === o);
}

/** Retry-After must be exposed, or a browser SDK cannot read how long to back off after 503/429. */
export function responseCorsHeaders(origin: string | undefined): Record<string, string> {
  return origin ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'retry-after', vary: 'Origin' } : {};
}
