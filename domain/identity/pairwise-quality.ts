/**
 * Identity stitching quality against the truth: pairwise precision and recall of a clustering.
 *
 * Over every pair of items (events or identifiers) that the prediction puts in one person, precision is
 * the share that truly belong to one person; over every pair that truly belongs to one person, recall is
 * the share the prediction put together. Computed from the contingency table (sum of C(n, 2) per cell),
 * so it is O(items), not O(items^2). Pure: no I/O.
 */
export interface PairwiseQuality {
  items: number;
  truePersons: number;
  predictedPersons: number;
  /** Pairs put together by the prediction. */
  predictedPairs: number;
  /** Pairs that truly belong together. */
  truePairs: number;
  /** Pairs both put together and truly together. */
  correctPairs: number;
  precision: number;
  recall: number;
  f1: number;
}

const pairs = (n: number): number => (n * (n - 1)) / 2;

export function pairwiseQuality(items: Iterable<{ truth: string; predicted: string }>): PairwiseQuality {
  const cell = new Map<string, number>();
  const byTruth = new Map<string, number>();
  const byPred = new Map<string, number>();
  let n = 0;
  for (const { truth, predicted } of items) {
    n++;
    const k = JSON.stringify([truth, predicted]);
    cell.set(k, (cell.get(k) ?? 0) + 1);
    byTruth.set(truth, (byTruth.get(truth) ?? 0) + 1);
    byPred.set(predicted, (byPred.get(predicted) ?? 0) + 1);
  }
  let correctPairs = 0;
  for (const c of cell.values()) correctPairs += pairs(c);
  let truePairs = 0;
  for (const c of byTruth.values()) truePairs += pairs(c);
  let predictedPairs = 0;
  for (const c of byPred.values()) predictedPairs += pairs(c);
  // No pairs at all: nothing was wrongly merged (precision) / nothing needed merging (recall)
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    items: n,
    truePersons: byTruth.size,
    predictedPersons: byPred.size,
    predictedPairs,
    truePairs,
    correctPairs,
    precision,
    recall,
    f1,
  };
}
