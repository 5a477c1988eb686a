/**
 * Markov-chain attribution, the public surface: the order-k chain of a PathTable (markov-chain.ts) and
 * exact removal effects and credits on it (removal-effects.ts, solved with absorbing-chain.ts).
 * Pure: no I/O.
 */
export { CONVERSION, MAX_ORDER, NULL, START, buildChain, stateName, transitionMatrix } from './markov-chain.js';
export type { Chain, Transition } from './markov-chain.js';
export { DENSE_MAX_STATES, markovAttribution, markovFromChain } from './removal-effects.js';
export type { MarkovChannel, MarkovOptions, MarkovResult } from './removal-effects.js';
