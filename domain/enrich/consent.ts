export type ConsentMode = 'strip' | 'drop' | 'ignore';

export interface ConsentPolicy {
  /**
   * What to do with an event whose categoryPreferences deny one of `categories`:
   *   strip:  keep the event for aggregate counts, without any identifier (identifiers_stripped=true,
   *           no person_id, no stitching, no IP);
   *   drop:   do not keep it; a failed-events row (reason consent_denied, no raw payload) counts it;
   *   ignore: consent is recorded in the `consent` column but not enforced.
   * Events without categoryPreferences are kept (consent collected elsewhere, e.g. POS, call centre).
   */
  mode: ConsentMode;
  /** Category names (case-insensitive) that must not be false for the event to be kept whole. */
  categories: string[];
}

export type ConsentDecision = 'keep' | 'strip' | 'drop';

/**
 * Apply the consent policy to context.consent.categoryPreferences. Only an explicit `false` for a
 * required category denies: absent preferences mean consent was handled outside the event.
 */
export function consentDecision(prefs: Record<string, boolean> | undefined, policy: ConsentPolicy): ConsentDecision {
  if (!prefs || policy.mode === 'ignore') return 'keep';
  const required = new Set(policy.categories.map((c) => c.toLowerCase()));
  const denied = Object.entries(prefs).some(([k, v]) => v === false && required.has(k.toLowerCase()));
  if (!denied) return 'keep';
  return policy.mode === 'drop' ? 'drop' : 'strip';
}
