/**
 * Seeded pseudo-random numbers (mulberry32): the same sequence from the same seed on every platform
 * and Node version, which Math.random cannot give. Pure: the state lives in the returned closure.
 */

/** Uniform numbers in [0, 1) from a 32-bit seed (taken as an unsigned integer). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
