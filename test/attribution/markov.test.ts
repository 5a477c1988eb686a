/**
 * Markov removal-effect attribution: the published worked example and cases derived by hand below.
 */
import { describe, expect, it } from 'vitest';
import { buildChain, type MarkovResult, markovAttribution, transitionMatrix } from '../../domain/attribution/markov.js';
import { parsePathsText } from '../../domain/attribution/paths-file.js';
import { simulateRemovalEffects } from '../../domain/attribution/simulate.js';

const table = (text: string) => parsePathsText(text).table;
const byChannel = (r: MarkovResult) => Object.fromEntries(r.channels.map((c) => [c.channel, c]));
const SOLVERS = ['dense', 'iterative'] as const;

// Bryl 2016 / markovattribution test case
const WORKED = 'path;total_conversions;total_conversion_value;total_null\nC1 > C2 > C3;1;10;0\nC1;0;0;1\nC2 > C3;0;0;1\n';

describe.each(SOLVERS)('Markov (%s solver)', (solver) => {
  it('worked example: P(conv) = 1/3, RE 0.5 / 1 / 1, credit 0.2 / 0.4 / 0.4', () => {
    const r = markovAttribution(table(WORKED), { solver });
    expect(r.conversionProbability).toBeCloseTo(1 / 3, 12);
    const c = byChannel(r);
    expect(c.C1!.removalEffect).toBeCloseTo(0.5, 12);
    expect(c.C2!.removalEffect).toBeCloseTo(1, 12);
    expect(c.C3!.removalEffect).toBeCloseTo(1, 12);
    expect(c.C1!.conversions).toBeCloseTo(0.2, 12);
    expect(c.C2!.conversions).toBeCloseTo(0.4, 12);
    expect(c.C3!.conversions).toBeCloseTo(0.4, 12);
    // one converting path: every conversion is worth 10, value shares = conversion shares
    expect(c.C1!.value).toBeCloseTo(2, 12);
    expect(c.C2!.value).toBeCloseTo(4, 12);
  });

  it('worked example, converting paths only: every RE is 1, credit 1/3 each', () => {
    const r = markovAttribution(table(WORKED), { solver, convertingOnly: true });
    expect(r.conversionProbability).toBeCloseTo(1, 12);
    for (const c of r.channels) {
      expect(c.removalEffect).toBeCloseTo(1, 12);
      expect(c.conversions).toBeCloseTo(1 / 3, 12);
    }
  });

  it('worked example at order 2 gives the order-1 answer (derived by hand)', () => {
    // states: C1,C2  C2,C3  C1 (path shorter than 2 = one state of all its channels)
    // (start)->C1,C2 1, (start)->C1 1, (start)->C2,C3 1; C1,C2->C2,C3 1; C2,C3->conv 1, ->null 1; C1->null 1
    // h(C2,C3) = 1/2, h(C1,C2) = 1/2, h(C1) = 0, h(start) = (1/2 + 0 + 1/2)/3 = 1/3
    // remove C1 (states C1,C2 and C1): h(start) = 1/6 -> RE 0.5; remove C2 or C3: 0 -> RE 1
    const r = markovAttribution(table(WORKED), { solver, order: 2 });
    expect(r.conversionProbability).toBeCloseTo(1 / 3, 12);
    const c = byChannel(r);
    expect(c.C1!.removalEffect).toBeCloseTo(0.5, 12);
    expect(c.C2!.removalEffect).toBeCloseTo(1, 12);
    expect(c.C1!.conversions).toBeCloseTo(0.2, 12);
  });

  it('order 2 separates which predecessor converts; order 1 cannot (derived by hand)', () => {
    // A > B converts once, C > B never (1 null).
    // order 1: (start)->A 1/2, ->C 1/2; A->B 1, C->B 1; B->conv 1/2, ->null 1/2.
    //   h(B) = h(A) = h(C) = 1/2 = P(conv). Remove A: 1/2*0 + 1/2*1/2 = 1/4 -> RE(A) = 1/2.
    //   Remove C: likewise RE(C) = 1/2. Remove B: RE 1. Credit A 0.25, B 0.5, C 0.25:
    //   C is credited although it is in no converting path (null paths feed the chain).
    // order 2: states A,B and C,B. (start)->A,B 1/2 -> conv; (start)->C,B 1/2 -> null. P(conv) = 1/2.
    //   Remove A (state A,B): 0 -> RE 1. Remove C (state C,B): 1/2 -> RE 0. Remove B: RE 1.
    //   Credit A 0.5, B 0.5, C 0.
    const t = table('A > B;1;0;0\nC > B;0;0;1\n');
    const o1 = byChannel(markovAttribution(t, { solver, order: 1 }));
    expect(o1.A!.removalEffect).toBeCloseTo(0.5, 12);
    expect(o1.C!.removalEffect).toBeCloseTo(0.5, 12);
    expect(o1.B!.removalEffect).toBeCloseTo(1, 12);
    expect(o1.A!.conversions).toBeCloseTo(0.25, 12);
    expect(o1.B!.conversions).toBeCloseTo(0.5, 12);
    expect(o1.C!.conversions).toBeCloseTo(0.25, 12);
    const o2 = byChannel(markovAttribution(t, { solver, order: 2 }));
    expect(o2.A!.removalEffect).toBeCloseTo(1, 12);
    expect(o2.C!.removalEffect).toBeCloseTo(0, 12);
    expect(o2.A!.conversions).toBeCloseTo(0.5, 12);
    expect(o2.B!.conversions).toBeCloseTo(0.5, 12);
    expect(o2.C!.conversions).toBe(0);
  });

  it('order 3 sees two steps back where order 2 cannot (derived by hand)', () => {
    // A > B > C converts once, D > B > C never (1 null).
    // order 2: (start)->A,B 1/2, ->D,B 1/2; A,B->B,C 1; D,B->B,C 1; B,C->conv 1/2, ->null 1/2. P = 1/2.
    //   remove A (A,B): 1/4 -> RE 1/2; D likewise 1/2; B (all three states) and C (B,C) -> RE 1.
    //   credit A = D = 0.5/3 = 1/6, B = C = 1/3.
    // order 3: (start)->A,B,C 1/2 -> conv; (start)->D,B,C 1/2 -> null. P = 1/2.
    //   remove A: 0 -> RE 1; remove D: 1/2 -> RE 0; B, C -> RE 1. credit A = B = C = 1/3, D = 0.
    const t = table('A > B > C;1;0;0\nD > B > C;0;0;1\n');
    const o2 = byChannel(markovAttribution(t, { solver, order: 2 }));
    expect(o2.A!.conversions).toBeCloseTo(1 / 6, 12);
    expect(o2.D!.conversions).toBeCloseTo(1 / 6, 12);
    expect(o2.B!.conversions).toBeCloseTo(1 / 3, 12);
    const o3 = byChannel(markovAttribution(t, { solver, order: 3 }));
    expect(o3.A!.removalEffect).toBeCloseTo(1, 12);
    expect(o3.D!.removalEffect).toBeCloseTo(0, 12);
    expect(o3.A!.conversions).toBeCloseTo(1 / 3, 12);
    expect(o3.C!.conversions).toBeCloseTo(1 / 3, 12);
    expect(o3.D!.conversions).toBe(0);
    // order 4: both paths are shorter than 4, each is one state: same answer as order 3
    expect(byChannel(markovAttribution(t, { solver, order: 4 })).A!.conversions).toBeCloseTo(1 / 3, 12);
  });

  it('a chain with a cycle (derived by hand)', () => {
    // A > B > A converts once; B ends in null once.
    // P(A->B) = P(A->conv) = 1/2; P(B->A) = P(B->null) = 1/2; (start)->A 1/2, ->B 1/2.
    // h(A) = 1/2 + h(B)/2, h(B) = h(A)/2  =>  h(A) = 2/3, h(B) = 1/3, P(conv) = 1/2.
    // remove A: 0 -> RE(A) = 1. remove B: h(A) = 1/2, P = 1/4 -> RE(B) = 1/2.
    // credit A = 1/(1.5) = 2/3, B = 1/3.
    const r = markovAttribution(table('A > B > A;1;6;0\nB;0;0;1\n'), { solver });
    expect(r.conversionProbability).toBeCloseTo(0.5, 12);
    const c = byChannel(r);
    expect(c.A!.removalEffect).toBeCloseTo(1, 12);
    expect(c.B!.removalEffect).toBeCloseTo(0.5, 12);
    expect(c.A!.conversions).toBeCloseTo(2 / 3, 12);
    expect(c.B!.conversions).toBeCloseTo(1 / 3, 12);
    expect(c.A!.value).toBeCloseTo(4, 10); // 6 * 2/3; iterative tolerance 1e-12 on probabilities
  });

  it('value follows the size of the conversions each last state leads to (derived by hand)', () => {
    // A converts once worth 10, B once worth 30. Conversion REs are 1/2 each -> 1 conversion each.
    // Value: mu(A) = 10, mu(B) = 30, E[value] = 20; without A 15 (RE 1/4), without B 5 (RE 3/4).
    // Value credit = 40 * 1/4 = 10 and 40 * 3/4 = 30 (ChannelAttribution's value model, computed exactly).
    const c = byChannel(markovAttribution(table('A;1;10;0\nB;1;30;0\n'), { solver }));
    expect(c.A!.conversions).toBeCloseTo(1, 12);
    expect(c.B!.conversions).toBeCloseTo(1, 12);
    expect(c.A!.valueRemovalEffect).toBeCloseTo(0.25, 12);
    expect(c.B!.valueRemovalEffect).toBeCloseTo(0.75, 12);
    expect(c.A!.value).toBeCloseTo(10, 12);
    expect(c.B!.value).toBeCloseTo(30, 12);
  });
});

describe('Markov chain construction', () => {
  it('drops self-loops: "a > a > b" is (start) a b (ChannelAttribution merges equal consecutive states)', () => {
    const m = transitionMatrix(buildChain(table('a > a > b;1;0;1\n'), 1));
    expect(m).toEqual([
      { from: '(start)', to: 'a', probability: 1 },
      { from: 'a', to: 'b', probability: 1 },
      { from: 'b', to: '(conversion)', probability: 0.5 },
      { from: 'b', to: '(null)', probability: 0.5 },
    ]);
  });

  it('order 3 states are sliding windows; shorter paths are one state', () => {
    const m = transitionMatrix(buildChain(table('a > b > c > d;2;0;0\nx > y;1;0;1\n'), 3));
    expect(m).toEqual([
      { from: '(start)', to: 'a,b,c', probability: 0.5 },
      { from: '(start)', to: 'x,y', probability: 0.5 },
      { from: 'a,b,c', to: 'b,c,d', probability: 1 },
      { from: 'b,c,d', to: '(conversion)', probability: 1 },
      { from: 'x,y', to: '(conversion)', probability: 0.5 },
      { from: 'x,y', to: '(null)', probability: 0.5 },
    ]);
  });

  it('rejects orders outside 1..4 and inputs without conversions', () => {
    expect(() => markovAttribution(table(WORKED), { order: 5 })).toThrow(/order must be an integer from 1 to 4/);
    expect(() => markovAttribution(table(WORKED), { order: 0 })).toThrow(/order/);
    expect(() => markovAttribution(table('a;0;0;3\n'))).toThrow(/no conversions/);
  });

  it('transition matrix rows sum to 1', () => {
    const m = transitionMatrix(buildChain(table(WORKED), 1));
    const sums = new Map<string, number>();
    for (const e of m) sums.set(e.from, (sums.get(e.from) ?? 0) + e.probability);
    for (const s of sums.values()) expect(s).toBeCloseTo(1, 12);
  });
});

describe('exact removal effects are the limit of ChannelAttribution-style simulation', () => {
  it('simulated walks agree within Monte-Carlo error (seeded), on a chain with cycles, orders 1 and 2', () => {
    const t = table('a > b > a > c;3;30;5\nb > c;2;10;6\nc > a;1;5;4\na;1;2;7\nb > b > a;0;0;3\nc > b > a > b;2;8;2\n');
    for (const order of [1, 2]) {
      const chain = buildChain(t, order);
      const exact = markovAttribution(t, { order });
      const sim = simulateRemovalEffects(chain, { walks: 200_000, maxSteps: 1_000, seed: 7, totalConversions: 9 });
      expect(sim.truncated).toBe(0);
      exact.channels.forEach((c, id) => {
        const p = c.removalEffect;
        const sigma = Math.sqrt((p * (1 - p)) / sim.conversions) + 1e-9;
        expect(Math.abs(sim.removalEffect[id]! - p), `order ${order} ${c.channel}`).toBeLessThan(5 * sigma);
      });
    }
  });
});
