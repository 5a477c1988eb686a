/**
 * Delivery noise: app sessions buffered offline and sent hours late, client retries that send the same
 * messageId twice, and events made invalid on purpose.
 */
import { type GeneratorState, HOUR } from './state.js';

/** Delay for a whole app session when it is buffered offline (2 to 9 hours), else undefined. */
export function lateSessionDelay(state: GeneratorState): number | undefined {
  const { rng } = state;
  return rng.chance(state.rates.lateSession) ? rng.int(2, 9) * HOUR : undefined;
}

/**
 * Walks the emitted events once: a few become invalid, a few others are queued a second time (a retry
 * arriving seconds later with the same messageId). Returns the number of distinct events.
 */
export function injectDeliveryNoise(state: GeneratorState): number {
  const { rng, rates, pending, truth } = state;
  const originals = pending.slice();
  for (const p of originals) {
    if (rng.chance(rates.invalid)) {
      // e.g. a POS firmware bug: event name missing, or a timestamp that is not a date
      if (rng.chance(0.5) && p.event.type === 'track') delete p.event.event;
      else p.event.timestamp = 'yesterday at noon';
      truth.invalidIds.push(p.event.messageId);
    } else if (rng.chance(rates.duplicate)) {
      pending.push({ ...p, event: structuredClone(p.event), arrival: p.arrival + rng.int(1, 30) * 1000 });
      truth.duplicateIds.push(p.event.messageId);
    }
  }
  // an invalid event is counted as invalid, not as late
  truth.lateIds = truth.lateIds.filter((id) => !truth.invalidIds.includes(id));
  return originals.length;
}
