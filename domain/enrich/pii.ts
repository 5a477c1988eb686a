/**
 * Personal data handling: e-mail and phone are normalised and keyed-hashed, then removed.
 *
 * email_hash = HMAC-SHA256(key, sha256hex(trim(lower(email))))
 *   Hashing the plain SHA-256 first lets systems that only hold `emailSha256` (context.identifiers,
 *   the de-facto standard for hashed e-mail matching) produce the same email_hash as raw addresses.
 * phone_hash = HMAC-SHA256(key, E.164 phone)
 * The key is per deployment, so hashes cannot be joined across deployments or reversed with a
 * dictionary of known addresses without the key.
 */
import { createHash, createHmac } from 'node:crypto';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// RFC 5322 atext local part (what real clients accept), dotted domain.
const EMAIL_IN_TEXT = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z0-9-]{2,}/g;

/** Keys whose values are e-mail addresses or phone numbers (compared lower-cased, without _ and -). */
export const EMAIL_KEYS = new Set(['email', 'emailaddress', 'mail']);
export const PHONE_KEYS = new Set(['phone', 'phonenumber', 'mobile', 'mobilephone', 'mobilenumber', 'tel', 'telephone', 'msisdn']);

function canonicalKey(k: string): string {
  return k.toLowerCase().replace(/[_-]/g, '');
}
export function isEmailKey(k: string): boolean {
  return EMAIL_KEYS.has(canonicalKey(k));
}
export function isPhoneKey(k: string): boolean {
  return PHONE_KEYS.has(canonicalKey(k));
}

export function normaliseEmail(raw: string): string | undefined {
  const e = raw.trim().toLowerCase();
  return EMAIL_RE.test(e) ? e : undefined;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function hmacHex(key: string, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

export function emailHashFromSha256(key: string, sha256: string): string {
  return hmacHex(key, sha256.toLowerCase());
}

export function emailHash(key: string, raw: string): string | undefined {
  const e = normaliseEmail(raw);
  return e === undefined ? undefined : emailHashFromSha256(key, sha256Hex(e));
}

export function normalisePhone(raw: string, defaultRegion: CountryCode): string | undefined {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion);
  return parsed?.isValid() ? parsed.number : undefined;
}

export function phoneHash(key: string, raw: string, defaultRegion: CountryCode): string | undefined {
  const e164 = normalisePhone(raw, defaultRegion);
  return e164 === undefined ? undefined : hmacHex(key, e164);
}

export interface ScrubResult {
  /** Deep copy without e-mail/phone keys; e-mail-looking strings elsewhere replaced by "[email]". */
  value: unknown;
  emails: string[];
  phones: string[];
}

/**
 * Remove e-mail and phone values from a free-form bag (traits, properties, context), collecting them
 * so they can be hashed into identifiers. Iterative-safe depth: the contract caps nesting at 32.
 */
export function scrubPii(input: unknown): ScrubResult {
  const emails: string[] = [];
  const phones: string[] = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.includes('@') ? v.replace(EMAIL_IN_TEXT, '[email]') : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        if (isEmailKey(k)) {
          if (typeof val === 'string') emails.push(val);
          continue;
        }
        if (isPhoneKey(k)) {
          if (typeof val === 'string' || typeof val === 'number') phones.push(String(val));
          continue;
        }
        out[k] = walk(val);
      }
      return out;
    }
    return v;
  };
  const value = walk(input);
  return { value, emails, phones };
}

/**
 * Redact personal data in a raw payload headed for failed_events. JSON is scrubbed structurally;
 * text that does not parse has e-mail-looking strings and "phone": "..." values masked.
 */
export function redactRaw(raw: string): string {
  try {
    const parsed = JSON.parse(raw) as unknown;
    return JSON.stringify(scrubPii(parsed).value);
  } catch {
    return raw
      .replace(EMAIL_IN_TEXT, '[email]')
      .replace(/("(?:phone|phoneNumber|phone_number|mobile|tel|telephone)"\s*:\s*)"[^"]*"/gi, '$1"[phone]"');
  }
}
