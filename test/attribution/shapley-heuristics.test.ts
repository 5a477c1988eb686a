/**
 * Shapley and rule-based models on cases computed by hand.
 */
import { describe, expect, it } from 'vitest';
import { heuristicAttribution, timeDecayWeights } from '../../domain/attribution/heuristics.js';
import { runModels } from '../../domain/attribution/models.js';
import { PathTableBuilder } from '../../domain/attribution/paths.js';
import { parsePathsText } from '../../domain/attribution/paths-file.js';
import { shapleyExact, shapleySimplified } from '../../domain/attribution/shapley.js';

const table = (text: string) => parsePathsText(text).table;
const asMap = (rows: { channel: string; conversions: number; value: number }[]) => Object.fromEntries(rows.map((r) => [r.channel, r]));

describe('Shapley on three channels (derived by hand)', () => {
  // R({A}) = 2, R({A,B}) = 3, R({B,C}) = 6 ("B > C > B": sets ignore order and repeats), R({A,B,C}) = 3.
  // "C" has no conversion.
  // simplified: A = 2 + 3/2 + 3/3 = 4.5 ; B = 3/2 + 6/2 + 3/3 = 5.5 ; C = 6/2 + 3/3 = 4 ; sum 14.
  // exact, v(S) = conversions of journeys inside S:
  //   v(A)=2 v(B)=0 v(C)=0 v(AB)=5 v(AC)=2 v(BC)=6 v(ABC)=14, weights |S|=0: 1/3, 1: 1/6, 2: 1/3
  //   phi(A) = 2/3 + (5-0)/6 + (2-0)/6 + (14-6)/3 = 4.5
  //   phi(B) = 0 + (5-2)/6 + (6-0)/6 + (14-2)/3 = 5.5
  //   phi(C) = 0 + (2-2)/6 + (6-0)/6 + (14-5)/3 = 4
  const T = 'A;2;20;0\nA > B;3;30;1\nB > C > B;6;60;0\nA > B > C;3;30;2\nC;0;0;5\n';

  it('simplified form', () => {
    const s = asMap(shapleySimplified(table(T)));
    expect(s.A!.conversions).toBeCloseTo(4.5, 12);
    expect(s.B!.conversions).toBeCloseTo(5.5, 12);
    expect(s.C!.conversions).toBeCloseTo(4, 12);
    expect(s.A!.value).toBeCloseTo(45, 12); // value 10 per conversion everywhere
  });

  it('exact form over coalitions', () => {
    const e = asMap(shapleyExact(table(T)));
    expect(e.A!.conversions).toBeCloseTo(4.5, 12);
    expect(e.B!.conversions).toBeCloseTo(5.5, 12);
    expect(e.C!.conversions).toBeCloseTo(4, 12);
  });

  it('exact form refuses more channels than its limit, naming the way out', () => {
    const b = new PathTableBuilder();
    const names = Array.from({ length: 21 }, (_, i) => `ch${i}`);
    b.addPath(names.join(' > '), 1, 0, 0);
    expect(() => shapleyExact(b.build())).toThrow(/limited to 20 channels.*found 21.*simplified/);
    expect(shapleyExact(b.build(), 21).every((c) => Math.abs(c.conversions - 1 / 21) < 1e-12)).toBe(true);
    // 'all' notes the skip instead of failing
    const out = runModels(b.build(), 'all');
    expect(out.skipped.map((s) => s.model)).toEqual(['shapley_exact']);
    expect(out.results.map((r) => r.model)).not.toContain('shapley_exact');
  });
});

describe('rule-based models (derived by hand)', () => {
  // "direct > email > direct" converts once worth 10; "paid_search" once worth 5; "direct > direct" once worth 1.
  const T = 'direct > email > direct;1;10;0\npaid_search;1;5;3\ndirect > direct;1;1;0\nemail > display;0;0;4\n';
  const m = (model: Parameters<typeof heuristicAttribution>[1]) => asMap(heuristicAttribution(table(T), model));

  it('first and last touch', () => {
    expect(m('first_touch').direct!.conversions).toBe(2);
    expect(m('first_touch').paid_search!.conversions).toBe(1);
    expect(m('last_touch').direct!.conversions).toBe(2);
    expect(m('last_touch').email!.conversions).toBe(0);
  });

  it('last non-direct skips direct, but an all-direct path stays direct', () => {
    const r = m('last_non_direct');
    expect(r.email!.conversions).toBe(1);
    expect(r.email!.value).toBe(10);
    expect(r.direct!.conversions).toBe(1); // "direct > direct"
    expect(r.direct!.value).toBe(1);
  });

  it('linear counts touches: direct 2/3 + 1, email 1/3', () => {
    const r = m('linear');
    expect(r.direct!.conversions).toBeCloseTo(2 / 3 + 1, 12);
    expect(r.email!.conversions).toBeCloseTo(1 / 3, 12);
    expect(r.direct!.value).toBeCloseTo(20 / 3 + 1, 12);
  });

  it('position based: 40/20/40, two touches 50/50, one touch 100%', () => {
    const r = m('position_based');
    expect(r.direct!.conversions).toBeCloseTo(0.8 + 1, 12); // 0.4 + 0.4, then 0.5 + 0.5
    expect(r.email!.conversions).toBeCloseTo(0.2, 12);
    expect(r.paid_search!.conversions).toBe(1);
    const four = asMap(heuristicAttribution(table('a > b > c > d;1;0;0\n'), 'position_based'));
    expect(four.b!.conversions).toBeCloseTo(0.1, 12);
    expect(four.d!.conversions).toBeCloseTo(0.4, 12);
  });

  it('time-decay weights halve per half-life', () => {
    const w = timeDecayWeights([14, 7, 0], 7); // raw 1/4, 1/2, 1 -> sum 7/4
    expect(w[0]).toBeCloseTo(1 / 7, 12);
    expect(w[1]).toBeCloseTo(2 / 7, 12);
    expect(w[2]).toBeCloseTo(4 / 7, 12);
  });

  it('a channel only in non-converting paths (display) gets nothing', () => {
    for (const model of ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'position_based'] as const) {
      expect(m(model).display!.conversions).toBe(0);
    }
  });
});
