/**
 * Identity stitching quality against the truth: pairwise precision and recall of a clustering.
 *
 * Over every pair of items (events or identifiers) that the prediction puts in one person, precision is
 * the share that truly belong to one person; over every pair that truly belongs to one person, recall is
 * the share the prediction put together. Computed from the contingency table (sum of C(n, 2) per cell),
 * so it is O(items), not O(items^2).
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

/**
 * The best clustering the evidence allows: events joined whenever they share an identifier (anonymous
 * id, user id, device id, e-mail, phone, loyalty or CRM id, alias previousId), except identifiers the
 * truth says several people used (a family tablet), which an ideal stitcher would not follow. Its
 * pairwise recall is the ceiling for any stitcher on this data: people who never identify themselves
 * on a device cannot be linked by anyone.
 */
export function evidenceClusters(
  events: Iterable<{ messageId: string; identifiers: string[] }>,
  sharedIdentifiers: ReadonlySet<string>,
): Map<string, string> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    let c = x;
    while (c !== r) {
      const next = parent.get(c)!;
      parent.set(c, r);
      c = next;
    }
    return r;
  };
  const add = (x: string) => {
    if (!parent.has(x)) parent.set(x, x);
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  };
  const msgs: string[] = [];
  for (const e of events) {
    const m = `msg:${e.messageId}`;
    add(m);
    msgs.push(e.messageId);
    for (const id of e.identifiers) {
      if (sharedIdentifiers.has(id)) continue;
      add(id);
      union(m, id);
    }
  }
  return new Map(msgs.map((id) => [id, find(`msg:${id}`)]));
}

/** Identifier keys ("type:value") an event carries, in the generator's truth vocabulary. */
export function eventIdentifiers(e: Record<string, unknown>): string[] {
  const out: string[] = [];
  const ctx = (e.context ?? {}) as { identifiers?: Record<string, unknown>; device?: { id?: unknown } };
  const push = (type: string, v: unknown) => {
    if (typeof v === 'string' && v.length > 0) out.push(`${type}:${type === 'email' ? v.trim().toLowerCase() : v}`);
  };
  push('anonymous_id', e.anonymousId);
  push('user_id', e.userId);
  push('user_id', e.previousId); // alias: previousId may be an anonymous id or a user id
  push('anonymous_id', e.previousId);
  push('device_id', ctx.identifiers?.deviceId ?? ctx.device?.id);
  push('email', ctx.identifiers?.email);
  push('phone', ctx.identifiers?.phone);
  push('loyalty_id', ctx.identifiers?.loyaltyId);
  push('user_id', ctx.identifiers?.crmId); // the demo's CRM id is the user id
  return out;
}
