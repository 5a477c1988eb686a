import { isIP } from 'node:net';

/**
 * Truncate an IP to its network part: IPv4 /24 (last octet zeroed), IPv6 /48 (first three groups).
 * Enough for coarse geography and bot analysis, not enough to single out a household.
 */
export function truncateIp(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const trimmed = ip.trim();
  // IPv4-mapped IPv6 (::ffff:1.2.3.4) is an IPv4 address.
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  const candidate = v4mapped ? v4mapped[1]! : trimmed;
  const kind = isIP(candidate);
  if (kind === 4) return candidate.split('.').slice(0, 3).concat('0').join('.');
  if (kind === 6) {
    const full = expandV6(candidate);
    if (!full) return undefined;
    return `${full.slice(0, 3).join(':')}::`;
  }
  return undefined;
}

function expandV6(addr: string): string[] | undefined {
  const parts = addr.split('::');
  if (parts.length > 2) return undefined;
  const left = parts[0] ? parts[0].split(':') : [];
  const right = parts.length === 2 && parts[1] ? parts[1].split(':') : [];
  const missing = 8 - left.length - right.length;
  const groups = parts.length === 2 ? [...left, ...Array(Math.max(0, missing)).fill('0'), ...right] : left;
  return groups.map((g) => (g.replace(/^0+/, '') || '0').toLowerCase());
}
