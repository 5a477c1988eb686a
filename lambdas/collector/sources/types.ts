/**
 * Write keys and the sources they belong to.
 *
 * A write key is a bearer secret that browsers and apps embed: it identifies a source, it does not
 * authorise anything beyond sending events. Keys are stored only as SHA-256 hex digests (a fast hash
 * is enough: keys are 192-bit random values, not passwords), so a leaked store or SSM listing does not
 * leak usable keys, and logs never need the key itself (the first 12 hex digits of the hash name it).
 */
import { createHash, randomBytes } from 'node:crypto';
// zod/mini, not classic zod: this file is bundled into the collector Lambda (see schemas/event.ts).
import * as z from 'zod/mini';
import { describeIssues, TOUCHPOINT_CHANNELS, type TouchpointChannel } from '../../../schemas/index.js';

export interface SourceConfig {
  /** Stable id derived from the name: several keys of one source (rotation) share it. */
  id: string;
  name: string;
  /** Touchpoint channel for events that name none (e.g. 'store' for a POS source). */
  defaultChannel?: TouchpointChannel;
  /** Browser origins allowed to post with this key (exact match, e.g. https://shop.example.com). */
  allowedOrigins?: string[];
}

export interface AddSourceInput {
  name: string;
  defaultChannel?: TouchpointChannel;
  allowedOrigins?: string[];
}

export interface KeyStore {
  /** The source of a write key, or undefined when unknown or revoked. */
  lookup(writeKey: string): Promise<SourceConfig | undefined>;
  /** Create a key for a source (new or existing name). The plain key is returned once, never stored. */
  add(input: AddSourceInput): Promise<{ writeKey: string; source: SourceConfig }>;
  /** Every key, named by the first 12 hex digits of its hash. */
  list(): Promise<Array<SourceConfig & { keyHashPrefix: string }>>;
  /**
   * Revoke every key of a source (by id) or the one key whose hash starts with the prefix
   * (at least 8 hex digits, so that a typo cannot revoke many keys). True when something was revoked.
   */
  revoke(idOrHashPrefix: string): Promise<boolean>;
}

export const KEY_HASH_PREFIX_LENGTH = 12;
export const MIN_REVOKE_PREFIX = 8;

export const sourceConfigSchema = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(64)),
  name: z.string().check(z.minLength(1), z.maxLength(128)),
  defaultChannel: z.optional(z.enum(TOUCHPOINT_CHANNELS)),
  allowedOrigins: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(512)))),
});

export const addSourceInputSchema = z.object({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(128)),
  defaultChannel: z.optional(z.enum(TOUCHPOINT_CHANNELS)),
  allowedOrigins: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(512)))),
});

/**
 * schema.parse(), but a failure throws a plain Error naming paths and rules (describeIssues: never
 * values). zod/mini carries no English messages, so its own ZodError would only say "Invalid input".
 */
export function parseOrThrow<T extends z.ZodMiniType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`invalid ${what}: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** SHA-256 hex of the key: what every store keeps instead of the key. */
export function hashWriteKey(writeKey: string): string {
  return createHash('sha256').update(writeKey, 'utf8').digest('hex');
}

/** A new random write key: "tl_" + 32 base64url characters (192 bits). */
export function newWriteKey(): string {
  return `tl_${randomBytes(24).toString('base64url')}`;
}

/** Source id derived from its name ("POS EU" -> "pos-eu"). */
export function sourceIdFor(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return slug || 'source';
}

export function sourceFromInput(input: AddSourceInput): SourceConfig {
  const parsed = parseOrThrow(addSourceInputSchema, input, 'source');
  const source: SourceConfig = { id: sourceIdFor(parsed.name), name: parsed.name };
  if (parsed.defaultChannel) source.defaultChannel = parsed.defaultChannel;
  if (parsed.allowedOrigins && parsed.allowedOrigins.length > 0) source.allowedOrigins = parsed.allowedOrigins;
  return source;
}

/** Entries matched by revoke(): all keys of a source id, or the one key with that hash prefix. */
export function matchesRevoke(hash: string, source: SourceConfig, idOrHashPrefix: string): boolean {
  if (source.id === idOrHashPrefix) return true;
  const prefix = idOrHashPrefix.toLowerCase();
  return /^[0-9a-f]+$/.test(prefix) && prefix.length >= MIN_REVOKE_PREFIX && hash.startsWith(prefix);
}

export function cleanSource(s: SourceConfig): SourceConfig {
  const out: SourceConfig = { id: s.id, name: s.name };
  if (s.defaultChannel) out.defaultChannel = s.defaultChannel;
  if (s.allowedOrigins) out.allowedOrigins = [...s.allowedOrigins];
  return out;
}
