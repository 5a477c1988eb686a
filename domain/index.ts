/**
 * Pure domain logic: no I/O, no AWS, no environment. The Lambda handlers, the local runtime and the
 * CLI are adapters around these functions.
 *   enrich/       channel rules, campaign and URL parsing, PII hashing, consent, user agent
 *   identity/     identity graph rules (node ids, guard rails), the sequential reference model and the
 *                 pairwise precision/recall of a clustering against the truth
 *   attribution/  data-driven attribution maths (Markov removal effects, Shapley) and rule-based credits
 *   random.ts     the seeded PRNG (mulberry32) for reproducible random draws
 */

export * from './attribution/heuristics.js';
export * from './attribution/markov.js';
export * from './attribution/models.js';
export * from './attribution/paths.js';
export * from './attribution/paths-file.js';
export * from './attribution/shapley.js';
export * from './attribution/simulate.js';
export * from './enrich/channel.js';
export * from './enrich/consent.js';
export * from './enrich/ip.js';
export * from './enrich/normalise.js';
export * from './enrich/pii.js';
export * from './enrich/url.js';
export * from './enrich/user-agent.js';
export * from './identity/pairwise-quality.js';
export * from './identity/reference-model.js';
export * from './identity/rules.js';
export * from './random.js';
