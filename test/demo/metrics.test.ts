import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairwiseQuality } from '../../domain/index.js';

describe('pairwise stitching quality', () => {
  it('hand-computed example', () => {
    // truth: {a,b,c} {d}; predicted: {a,b} {c,d}
    // predicted pairs: ab, cd = 2; true pairs: ab, ac, bc = 3; correct: ab = 1
    const q = pairwiseQuality([
      { truth: 'P1', predicted: 'x' },
      { truth: 'P1', predicted: 'x' },
      { truth: 'P1', predicted: 'y' },
      { truth: 'P2', predicted: 'y' },
    ]);
    expect(q).toMatchObject({ predictedPairs: 2, truePairs: 3, correctPairs: 1, truePersons: 2, predictedPersons: 2 });
    expect(q.precision).toBe(0.5);
    expect(q.recall).toBeCloseTo(1 / 3, 12);
  });
  it('identical clusterings score 1/1 whatever the labels', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 60 }), (labels) => {
        const q = pairwiseQuality(labels.map((l) => ({ truth: `t${l}`, predicted: `p${(l * 7) % 11}` })));
        expect(q.precision).toBe(1);
        expect(q.recall).toBe(1);
      }),
    );
  });
  it('merging everything keeps recall at 1; splitting everything keeps precision at 1', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 60 }), (labels) => {
        const merged = pairwiseQuality(labels.map((l) => ({ truth: `t${l}`, predicted: 'one' })));
        expect(merged.recall).toBe(1);
        const split = pairwiseQuality(labels.map((l, i) => ({ truth: `t${l}`, predicted: `p${i}` })));
        expect(split.precision).toBe(1);
      }),
    );
  });
});
