/**
 * The per-deployment settings the CDK app hands to each function, and the ONE environment variable
 * that carries them (THREADLINE_CONFIG, JSON). lib/config.ts builds its schema from these pieces and
 * the functions parse the variable with the same pieces, so a value the synth accepts is a value the
 * function accepts, and a typo fails at synth time instead of being ignored in Lambda.
 *
 * Only settings live here: resource names (streams, table, secret ARN) stay separate variables
 * because CloudFormation fills them in with references that a JSON string cannot hold.
 */
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { DEFAULT_IDENTITY_RULES, type IdentityRules } from '../../domain/index.js';
import { DEFAULT_CONVERSION_EVENTS, IDENTIFIER_TYPES, type IdentifierType, isIsoDate } from '../../schemas/index.js';

export const FUNCTION_CONFIG_VAR = 'THREADLINE_CONFIG';

/** `-c key=a,b` arrives as one string: split it; arrays pass through to `list`. */
export const commaList = <T extends z.ZodType>(list: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0)
        : v,
    list,
  );

const NON_USER_TYPES = IDENTIFIER_TYPES.filter((t) => t !== 'user_id') as [
  Exclude<IdentifierType, 'user_id'>,
  ...Exclude<IdentifierType, 'user_id'>[],
];
const maxUsersValue = z.number().int().min(1, 'must be >= 1 (an identifier seen with one user links)');

export const identitySettingsSchema = z.strictObject({
  /**
   * How many distinct user ids a non-user identifier may be seen with before it counts as shared and
   * stops linking: one number for every type, or per type (missing types keep their default of 1).
   */
  maxUsers: z.union([maxUsersValue, z.partialRecord(z.enum(NON_USER_TYPES), maxUsersValue)]),
  /** Whether events with only weak identifiers (anonymous_id, device_id) may merge persons. */
  mergeWeakOnly: z.boolean(),
  /** Identifier priority, highest first; baked into person ids, so fixed for the life of a table. */
  priority: commaList(z.array(z.enum(IDENTIFIER_TYPES))).superRefine((list, ctx) => {
    const ok = list.length === IDENTIFIER_TYPES.length && new Set(list).size === list.length && list[0] === 'user_id';
    if (!ok) ctx.addIssue({ code: 'custom', message: `must list ${IDENTIFIER_TYPES.join(', ')} once each, user_id first` });
  }),
});
export type IdentitySettings = z.infer<typeof identitySettingsSchema>;

export const consentSettingsSchema = z.strictObject({
  mode: z.enum(['strip', 'drop', 'ignore']),
  /** Categories (case-insensitive) that must not be denied for an event to keep its identifiers. */
  categories: commaList(z.array(z.string().min(1))),
});

export const phoneRegionSchema = z.string().refine((r) => /^[A-Z]{2}$/.test(r) && isSupportedCountry(r), {
  message: 'must be an upper-case ISO 3166-1 alpha-2 region with a phone numbering plan, e.g. US, GB, DE',
});

export const conversionEventsSchema = z.array(z.string().min(1)).min(1, 'must name at least one event');

/** What the processor receives. */
export const processorSettingsSchema = z.strictObject({
  identity: identitySettingsSchema,
  consent: consentSettingsSchema,
  /** Region assumed for phone numbers written without a country code. */
  defaultPhoneRegion: phoneRegionSchema,
  /** Track events whose order_id / revenue / currency are kept: the views' conversion events. */
  conversionEvents: conversionEventsSchema,
});
export type ProcessorSettings = z.infer<typeof processorSettingsSchema>;

export const originSchema = z.string().refine((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o), {
  message: "must be '*' or an origin like https://shop.example.com (scheme and host, no path)",
});

/** What the collector receives. */
export const collectorSettingsSchema = z.strictObject({
  /** Browser origins allowed for every source ('*' for any), on top of each source's own list. */
  allowedOrigins: commaList(z.array(originSchema).min(1)),
  /** Events dated before this UTC day are refused: the first day of the lake's partition projection. */
  earliestEventDate: z.string().refine(isIsoDate, 'must be a real date written YYYY-MM-DD').optional(),
});
export type CollectorSettings = z.infer<typeof collectorSettingsSchema>;

export const DEFAULT_PROCESSOR_SETTINGS: ProcessorSettings = {
  identity: {
    maxUsers: { ...DEFAULT_IDENTITY_RULES.maxUsers },
    mergeWeakOnly: DEFAULT_IDENTITY_RULES.mergeWeakOnly,
    priority: [...DEFAULT_IDENTITY_RULES.priority],
  },
  consent: { mode: 'strip', categories: ['analytics'] },
  defaultPhoneRegion: 'US',
  conversionEvents: [...DEFAULT_CONVERSION_EVENTS],
};

/** The identity rules the store runs with: one number becomes the limit of every non-user type. */
export function identityRulesOf(s: IdentitySettings): IdentityRules {
  const maxUsers =
    typeof s.maxUsers === 'number'
      ? Object.fromEntries(NON_USER_TYPES.map((t) => [t, s.maxUsers]))
      : { ...DEFAULT_IDENTITY_RULES.maxUsers, ...s.maxUsers };
  return { ...DEFAULT_IDENTITY_RULES, priority: [...s.priority], maxUsers, mergeWeakOnly: s.mergeWeakOnly };
}

/** The environment entry that carries a function's settings. */
export function settingsEnvironment(settings: ProcessorSettings | CollectorSettings): Record<string, string> {
  return { [FUNCTION_CONFIG_VAR]: JSON.stringify(settings) };
}

/**
 * Parse THREADLINE_CONFIG with a function's schema; undefined when the variable is unset (local
 * runs). A malformed value throws naming every bad path: a deployed function must not start with
 * settings it cannot read.
 */
export function readSettings<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> | undefined {
  const raw = env[FUNCTION_CONFIG_VAR];
  if (raw === undefined || raw.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${FUNCTION_CONFIG_VAR} is not JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${FUNCTION_CONFIG_VAR} is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}
