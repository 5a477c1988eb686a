import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ReportData, renderReport } from '../../demo/report/render.js';

/** The markup of one chart: <svg data-chart="name" ...>...</svg>. */
function chart(html: string, name: string): string {
  const start = html.indexOf(`<svg data-chart="${name}"`);
  if (start < 0) throw new Error(`no chart ${name}`);
  return html.slice(start, html.indexOf('</svg>', start) + 6);
}
const count = (svg: string, cls: string) => (svg.match(new RegExp(`class="${cls}"`, 'g')) ?? []).length;

const data: ReportData = {
  generatedAt: '2026-11-29T06:00:00Z',
  summary: { events: 1000, persons: 80, sessions: 200, conversions: 12, revenue: 1234.5, currency: 'GBP' },
  flows: [
    { step: 1, source: 'web', target: 'email', count: 5 },
    { step: 1, source: 'web', target: 'store', count: 3 },
    { step: 2, source: 'email', target: '(conversion)', count: 4 },
    { step: 2, source: 'store', target: '(null)', count: 3 },
  ],
  funnel: [
    { step: 'Product Viewed', persons: 50 },
    { step: 'Product Added', persons: 20 },
    { step: 'Order Completed', persons: 10 },
  ],
  attribution: [
    { model: 'first_touch', channel: 'email', conversions: 8, revenue: 800 },
    { model: 'first_touch', channel: 'store', conversions: 4, revenue: 434.5 },
    { model: 'last_touch', channel: 'email', conversions: 6, revenue: 600 },
    { model: 'last_touch', channel: 'store', conversions: 6, revenue: 634.5 },
    { model: 'markov', channel: 'email', conversions: 7, revenue: 700 },
    { model: 'markov', channel: 'store', conversions: 5, revenue: 534.5 },
  ],
  handoffs: [{ from: 'web', to: 'chat', count: 9, medianMinutes: 12, friction: 0.4 }],
  journeys: [{ path: 'email > store', journeys: 10, conversions: 3 }],
  dataQuality: {
    sent: 1010,
    accepted: 1005,
    rejected: [{ reason: 'schema_violation', count: 5 }],
    duplicatesRemoved: 20,
    lateEvents: 7,
    failed: [
      { reason: 'consent_denied', count: 2 },
      { reason: 'identity_failed', count: 0 },
    ],
    identity: { precision: 0.98, recall: 0.9, truePersons: 80, predictedPersons: 85 },
  },
};

describe('renderReport', () => {
  const html = renderReport(data);

  it('flow: one link per flow row and one node per (step, channel)', () => {
    const svg = chart(html, 'flow');
    expect(count(svg, 'link')).toBe(4);
    // (1,web) (2,email) (2,store) (3,(conversion)) (3,(null))
    expect(count(svg, 'node')).toBe(5);
  });

  it('flow: band thickness is proportional to the count', () => {
    const svg = chart(html, 'flow');
    const thickness = (src: string, tgt: string) => {
      const m = svg.match(
        new RegExp(
          `<path class="link" d="M[\\d.]+,([\\d.]+) [^"]*? L[\\d.]+,[\\d.]+ C[^"]* ([\\d.]+),([\\d.]+) Z" [^>]*data-source="${src}" data-target="${tgt}"`,
        ),
      );
      expect(m, `${src}->${tgt}`).not.toBeNull();
      return Number(m![3]) - Number(m![1]);
    };
    expect(thickness('web', 'email') / thickness('web', 'store')).toBeCloseTo(5 / 3, 1);
  });

  it('flow: keeps only the largest links when asked', () => {
    const svg = chart(renderReport(data, { maxFlowLinks: 2 }), 'flow');
    expect(count(svg, 'link')).toBe(2);
    expect(svg).toContain('data-count="5"');
    expect(svg).toContain('data-count="4"');
  });

  it('funnel: one bar per step, widths in proportion', () => {
    const svg = chart(html, 'funnel');
    expect(count(svg, 'bar')).toBe(3);
    const widths = [...svg.matchAll(/class="bar" x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths[1]! / widths[0]!).toBeCloseTo(20 / 50, 2);
    expect(svg).toContain('20.0%'); // 10 of 50 reached the last step
  });

  it('attribution: one bar per (channel, model), for conversions and for revenue', () => {
    expect(count(chart(html, 'attribution'), 'bar')).toBe(6);
    expect(count(chart(html, 'attribution-revenue'), 'bar')).toBe(6);
  });

  it('quality: one bar per non-zero reason, with the totals in tiles', () => {
    expect(count(chart(html, 'quality'), 'bar')).toBe(2);
    expect(html).toContain('98.0%');
    expect(html).toContain('90.0%');
  });

  it('is self-contained: no external URL is loaded', () => {
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    expect(html).not.toMatch(/url\(/);
  });

  it('escapes every label', () => {
    const evil = renderReport({
      ...data,
      flows: [{ step: 1, source: '<script>alert(1)</script>', target: 'x"y', count: 1 }],
    });
    expect(evil).not.toContain('<script>alert(1)');
    expect(evil).toContain('&lt;script&gt;');
  });

  it('empty data renders empty charts, not errors', () => {
    const empty = renderReport({
      ...data,
      flows: [],
      funnel: [],
      attribution: [],
      dataQuality: { ...data.dataQuality, rejected: [], failed: [] },
    });
    for (const c of ['flow', 'funnel', 'attribution', 'quality']) expect(chart(empty, c)).toContain('data-empty="true"');
  });

  it('property: mark counts follow the data for any flows', () => {
    const row = fc.record({
      step: fc.integer({ min: 1, max: 4 }),
      source: fc.constantFrom('web', 'email', 'store', 'chat'),
      target: fc.constantFrom('web', 'email', 'store', '(conversion)', '(null)'),
      count: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(row, { selector: (r) => `${r.step}|${r.source}|${r.target}`, maxLength: 40, minLength: 1 }), (flows) => {
        const svg = chart(renderReport({ ...data, flows }), 'flow');
        expect(count(svg, 'link')).toBe(flows.length);
        const nodes = new Set(flows.flatMap((f) => [`${f.step}|${f.source}`, `${f.step + 1}|${f.target}`]));
        expect(count(svg, 'node')).toBe(nodes.size);
      }),
      { numRuns: 60 },
    );
  });
});

describe('toReportData', () => {
  it('adds the truth as a series scaled to the conversions the models split', async () => {
    const { toReportData } = await import('../../demo/report/from-insights.js');
    const base = {
      counts: { rawEvents: 10, events: 9, persons: 3, sessions: 4, conversions: 4, revenue: 40, currency: 'GBP' },
      topJourneys: [],
      funnel: [{ step: 1, step_name: 'A', persons: 3, rate_from_first: 1, rate_from_previous: null }],
      handoffs: [],
      flows: [],
      attribution: [
        { model: 'linear', channel: 'email', conversions: 3 },
        { model: 'linear', channel: 'direct', conversions: 1 },
      ],
      attributionNotes: [],
      quality: { duplicatesRemoved: 1, lateEvents: 0, rejected: [], failed: [] },
    };
    // truth: email caused 0.3, direct 0 (baseline ignored) -> email gets all 4 split conversions
    const d = toReportData(base, { trueIncremental: { email: 0.3, direct: 0, baseline: 5 } });
    const truth = d.attribution.filter((a) => a.model.startsWith('truth'));
    expect(truth).toEqual([
      { model: 'truth (share of caused)', channel: 'email', conversions: 4 },
      { model: 'truth (share of caused)', channel: 'direct', conversions: 0 },
    ]);
    expect(d.dataQuality).toMatchObject({ accepted: 10, duplicatesRemoved: 1 });
    expect(d.funnel).toEqual([{ step: 'A', persons: 3 }]);
  });
});
