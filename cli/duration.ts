import { UserError } from './errors.js';

/** '7d', '12h', '30m', '45s' or plain seconds -> seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/i.exec(value.trim());
  if (!m) throw new UserError(`bad duration "${value}": use e.g. 7d, 12h, 30m or 3600 (seconds)`);
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h' | 'd' | 'w'];
  const seconds = Number(m[1]) * mult;
  if (!(seconds > 0)) throw new UserError(`duration must be positive, got "${value}"`);
  return seconds;
}
