/**
 * Markov-chain attribution, the public surface: the order-k chain of a PathTable (markov-chain.ts) and
 * exact removal effects and credits on it (removal-effects.ts, solved with absorbing-chain.ts).
 * Pure: no I/O.
 */

export type { Chain, Transition } from './markov-chain.js';
export { buildChain, CONVERSION, MAX_ORDER, NULL, START, stateName, transitionMatrix } from './markov-chain.js';
export type { MarkovChannel, MarkovOptions, MarkovResult } from './removal-effects.js';
export { DENSE_MAX_STATES, markovAttribution, markovFromChain } from './removal-effects.js';
