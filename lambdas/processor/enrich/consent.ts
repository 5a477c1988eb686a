import type { ConsentPolicy } from '../config.js';

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
