import { existsSync, rmSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FlowRow, type ReportData, renderReport } from '../../demo/report/render.js';
import { mulberry32 } from '../../domain/random.js';
import { CHROMIUM, launchChromium } from '../fixtures/chromium.js';

/** The markup of one chart: <svg data-chart="name" ...>...</svg>. */
function chart(html: string, name: string): string {
  const start = html.indexOf(`<svg data-chart="${name}"`);
  if (start < 0) throw new Error(`no chart ${name}`);
  return html.slice(start, html.indexOf('</svg>', start) + 6);
}
const count = (svg: string, cls: string) => (svg.match(new RegExp(`class="${cls}"`, 'g')) ?? []).length;
/** Sum of data-count over the drawn links from `source` to `target` (any step). */
const linkCount = (svg: string, source: string, target: string) =>
  [...svg.matchAll(/<path class="link"[^>]* data-source="([^"]*)" data-target="([^"]*)" data-count="(\d+)"/g)]
    .filter((m) => m[1] === source && m[2] === target)
    .reduce((t, m) => t + Number(m[3]), 0);
/** Every drawn link: step, source, target, count. */
const links = (svg: string) =>
  [...svg.matchAll(/<path class="link"[^>]* data-step="(\d+)" data-source="([^"]*)" data-target="([^"]*)" data-count="(\d+)"/g)].map(
    (m) => ({ step: Number(m[1]), source: m[2]!, target: m[3]!, count: Number(m[4]) }),
  );

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

  it('flow: small channels are grouped per step, deep steps folded, and the note says so', () => {
    // 12 channels at step 1, each journey web-like of length 1..10: hand-computed below.
    const channels = Array.from({ length: 12 }, (_, i) => `ch${String(i).padStart(2, '0')}`);
    const flows = [
      // step 1: ch00 has 12 journeys ... ch11 has 1; each goes straight to its outcome
      ...channels.map((c, i) => ({ step: 1, source: c, target: i % 2 === 0 ? '(conversion)' : '(null)', count: 12 - i })),
    ];
    const svg = chart(renderReport({ ...data, flows }, { flow: { maxNodesPerStep: 4 } }), 'flow');
    // 3 largest channels kept + "other channels" (ch03..ch11) + 2 outcomes
    const nodes = [...svg.matchAll(/<rect class="node"[^>]* data-node="([^"]+)"/g)].map((m) => m[1]);
    expect(nodes.sort()).toEqual(['1|ch00', '1|ch01', '1|ch02', '1|other channels', '2|(conversion)', '2|(null)'].sort());
    // other channels: 9+8+...+1 = 45 journeys, of which ch04,06,08,10 convert: 8+6+4+2 = 20
    expect(linkCount(svg, 'other channels', '(conversion)')).toBe(20);
    expect(linkCount(svg, 'other channels', '(null)')).toBe(25);
    const note = renderReport({ ...data, flows }, { flow: { maxNodesPerStep: 4 } });
    expect(note).toMatch(/data-note="flow">Every journey is drawn: 78 journeys, 42 of them converting\./);
    expect(note).toContain('step 1: ch03, ch04, ch05, ch06, ch07, ch08, ch09, ch10, ch11 (45 journeys)');

    // One journey of 10 touches web>email>web>...: with maxSteps 3 its touches after step 3 fold.
    const long = Array.from({ length: 10 }, (_, i) => ({
      step: i + 1,
      source: i % 2 === 0 ? 'web' : 'email',
      target: i === 9 ? '(conversion)' : i % 2 === 0 ? 'email' : 'web',
      count: 1,
    }));
    const folded = renderReport({ ...data, flows: long }, { flow: { maxSteps: 3 } });
    const fsvg = chart(folded, 'flow');
    expect(count(fsvg, 'link')).toBe(4); // web>email, email>web, web>(more touches), (more touches)>(conversion)
    expect(linkCount(fsvg, '(more touches)', '(conversion)')).toBe(1);
    expect(folded).toContain('1 journey has more than 3 touches');
  });

  it('flow: the note accounts for conversions that have no touchpoint to draw', () => {
    // outcome edges: 4 to (conversion) + 3 to (null) = 7 journeys; the summary counts 7 conversions
    const html7 = renderReport({ ...data, summary: { ...data.summary, conversions: 7 } });
    expect(html7).toContain('Every journey is drawn: 7 journeys, 4 of them converting.');
    expect(html7).toContain('3 of the 7 conversions had no touchpoint before them');
    expect(renderReport({ ...data, summary: { ...data.summary, conversions: 4 } })).not.toContain('no touchpoint before them');
  });

  it('flow: every node has a label, even the thinnest', () => {
    const flows = [
      { step: 1, source: 'web', target: '(conversion)', count: 10_000 },
      { step: 1, source: 'chat', target: '(null)', count: 1 },
      { step: 1, source: 'store', target: 'chat', count: 1 },
      { step: 2, source: 'chat', target: '(conversion)', count: 1 },
    ];
    const svg = chart(renderReport({ ...data, flows }), 'flow');
    const nodes = [...svg.matchAll(/<rect class="node"[^>]* data-node="([^"]+)"/g)].map((m) => m[1]);
    const labels = [...svg.matchAll(/<text class="label"[^>]* data-node="([^"]+)">([^<]+)/g)].map((m) => [m[1], m[2]!.trim()]);
    expect(nodes.sort()).toEqual(['1|chat', '1|store', '1|web', '2|(conversion)', '2|(null)', '2|chat', '3|(conversion)']);
    expect(count(svg, 'label')).toBe(7);
    expect(labels.map((l) => l[0]).sort()).toEqual(nodes.sort());
    for (const [node, text] of labels) expect(text).toBe(node!.split('|')[1]);
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

describe('flow diagram invariants', () => {
  const CHANNELS = ['web', 'email', 'store', 'chat', 'paid_search', 'display', 'referral', 'direct', 'kiosk', 'sms', 'push', 'tv'];
  /** What path_flows computes from journeys: one edge per step, the last to the outcome. */
  const flowsOf = (journeys: Array<{ channels: string[]; converted: boolean }>): FlowRow[] => {
    const m = new Map<string, FlowRow>();
    for (const j of journeys)
      j.channels.forEach((c, i) => {
        const target = i === j.channels.length - 1 ? (j.converted ? '(conversion)' : '(null)') : j.channels[i + 1]!;
        const k = `${i + 1}|${c}|${target}`;
        const row = m.get(k) ?? { step: i + 1, source: c, target, count: 0 };
        row.count++;
        m.set(k, row);
      });
    return [...m.values()];
  };
  const journeyArb = fc.record({
    channels: fc.array(fc.constantFrom(...CHANNELS), { minLength: 1, maxLength: 14 }),
    converted: fc.boolean(),
  });

  it('property: every journey and every conversion is drawn; flow is conserved through every node; every node is labelled', () => {
    fc.assert(
      fc.property(
        fc.array(journeyArb, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 10 }),
        (journeys, maxSteps, maxNodesPerStep) => {
          const svg = chart(renderReport({ ...data, flows: flowsOf(journeys) }, { flow: { maxSteps, maxNodesPerStep } }), 'flow');
          const drawn = links(svg);
          const outcome = (t: string) => t === '(conversion)' || t === '(null)';
          expect(drawn.filter((l) => l.target === '(conversion)').reduce((t, l) => t + l.count, 0)).toBe(
            journeys.filter((j) => j.converted).length,
          );
          expect(drawn.filter((l) => outcome(l.target)).reduce((t, l) => t + l.count, 0)).toBe(journeys.length);
          expect(drawn.filter((l) => l.step === 1).reduce((t, l) => t + l.count, 0)).toBe(journeys.length);
          // conservation: what enters a (step, channel) node leaves it at the next step
          const flow = new Map<string, number>();
          for (const l of drawn) {
            flow.set(`${l.step + 1}|${l.target}`, (flow.get(`${l.step + 1}|${l.target}`) ?? 0) + l.count);
            flow.set(`${l.step}|${l.source}`, (flow.get(`${l.step}|${l.source}`) ?? 0) - l.count);
          }
          for (const [k, v] of flow) if (!k.startsWith('1|') && !outcome(k.split('|')[1]!)) expect(v, k).toBe(0);
          // readable: at most maxNodesPerStep channels per step, plus the outcomes and the folded tail
          const nodes = [...svg.matchAll(/<rect class="node"[^>]* data-node="([^"]+)"/g)].map((m) => m[1]!);
          for (const step of new Set(nodes.map((n) => n.split('|')[0]))) {
            const channels = nodes.filter((n) => n.startsWith(`${step}|`) && !/\|\(/.test(n));
            expect(channels.length).toBeLessThanOrEqual(maxNodesPerStep);
          }
          expect(Math.max(...drawn.map((l) => l.step))).toBeLessThanOrEqual(maxSteps + 1);
          const labelled = [...svg.matchAll(/<text class="label"[^>]* data-node="([^"]+)"/g)].map((m) => m[1]!);
          expect(labelled.sort()).toEqual(nodes.sort());
          expect(svg).toContain(`data-conversions="${journeys.filter((j) => j.converted).length}"`);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('attribution shares', () => {
  const withTruth: ReportData = {
    ...data,
    attribution: [
      ...data.attribution,
      { model: 'truth (share of caused)', channel: 'email', conversions: 9 },
      { model: 'truth (share of caused)', channel: 'store', conversions: 3 },
    ],
  };
  const html = renderReport(withTruth);
  const table = html.slice(
    html.indexOf('<table class="shares" data-table="attribution"'),
    html.indexOf('</table>', html.indexOf('data-table="attribution"')),
  );
  const cell = (model: string, channel: string) =>
    table.match(
      new RegExp(`<td class="num[^"]*" data-model="${model.replace(/[()]/g, '\\$&')}" data-channel="${channel}">([^<]+)</td>`),
    )?.[1];

  it("a numeric table gives each channel's share per model, next to the chart", () => {
    expect(cell('first_touch', 'email')).toBe('66.7%'); // 8 of 12
    expect(cell('last_touch', 'store')).toBe('50.0%'); // 6 of 12
    expect(cell('markov', 'store')).toBe('41.7%'); // 5 of 12
    expect(cell('truth (share of caused)', 'email')).toBe('75.0%'); // 9 of 12
    expect(html).toMatch(
      /<div data-view="conversions" class="side"><div class="chart">[\s\S]*?<svg data-chart="attribution"[\s\S]*?<table class="shares"/,
    );
  });

  it('the truth series stands out: its own colour, a dashed rule across each group, a marked table column', () => {
    const svg = chart(html, 'attribution');
    const truthBars = [...svg.matchAll(/<rect class="bar"[^>]*data-truth="true"[^>]*>/g)];
    expect(truthBars).toHaveLength(2);
    for (const b of truthBars) expect(b[0]).toContain('fill="#1d2433"');
    const others = [...svg.matchAll(/<rect class="bar"[^>]*>/g)].filter((b) => !b[0].includes('data-truth'));
    for (const b of others) expect(b[0]).not.toContain('fill="#1d2433"');
    expect(count(svg, 'truth-mark')).toBe(2);
    expect(table).toContain('<th class="truth">truth (share of caused)</th>');
    expect(table.match(/class="num truth"/g)).toHaveLength(3); // two channels + the total
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

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('report in headless Chromium', () => {
  /** A demo-sized report: 1,000 seeded journeys over 12 channels, up to 14 touches, 8 models and the truth. */
  function bigReport(): ReportData {
    const rnd = mulberry32(7);
    const channels = ['web', 'email', 'store', 'chat', 'paid_search', 'display', 'referral', 'direct', 'kiosk', 'sms', 'push', 'tv'];
    const m = new Map<string, FlowRow>();
    let conversions = 0;
    for (let j = 0; j < 1000; j++) {
      const len = 1 + Math.floor(rnd() ** 2 * 14);
      const path = Array.from({ length: len }, () => channels[Math.floor(rnd() ** 1.5 * channels.length)]!);
      const converted = rnd() < 0.3;
      if (converted) conversions++;
      path.forEach((c, i) => {
        const target = i === len - 1 ? (converted ? '(conversion)' : '(null)') : path[i + 1]!;
        const k = `${i + 1}|${c}|${target}`;
        const row = m.get(k) ?? { step: i + 1, source: c, target, count: 0 };
        row.count++;
        m.set(k, row);
      });
    }
    const models = ['first_touch', 'last_touch', 'linear', 'time_decay', 'position_based', 'markov', 'shapley', 'last_non_direct'];
    const attribution = [...models, 'truth (share of caused)'].flatMap((model, mi) =>
      channels.map((channel, ci) => ({ model, channel, conversions: ((mi + 1) * (ci + 3)) % 17, revenue: ((mi + 2) * (ci + 1)) % 23 })),
    );
    return {
      ...data,
      title: 'Threadline journey report for a long-named demonstration tenant',
      summary: { ...data.summary, conversions },
      flows: [...m.values()],
      attribution,
      journeys: [{ path: channels.join(' > '), journeys: 10, conversions: 3 }],
      handoffs: channels.map((c, i) => ({
        from: c,
        to: channels[(i + 1) % channels.length]!,
        count: 10 + i,
        medianMinutes: 30,
        friction: 0.2,
      })),
    };
  }

  for (const width of [420, 1280]) {
    it(`at ${width} px: no horizontal page overflow, every flow node labelled with readable, non-overlapping text`, async () => {
      const report = bigReport();
      const html = renderReport(report);
      const { browser, profile } = await launchChromium({ viewport: { width, height: 900 } });
      try {
        const page = browser.pages()[0] ?? (await browser.newPage());
        await page.setContent(html);
        // Runs in the page: typed loosely because the project's TypeScript lib has no DOM types.
        type Box = { left: number; right: number; top: number; bottom: number; height: number };
        const m = (await page.evaluate(`(() => {
          const box = (el) => {
            if (!el) return { left: 0, right: 0, top: 0, bottom: 0, height: 0 };
            const r = el.getBoundingClientRect();
            return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, height: r.height };
          };
          const flow = document.querySelector('svg[data-chart="flow"]');
          const table = document.querySelector('[data-view="conversions"] table.shares');
          return {
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            nodes: [...flow.querySelectorAll('rect.node')].map((n) => n.getAttribute('data-node')),
            labels: [...flow.querySelectorAll('text.label')].map((t) => ({ node: t.getAttribute('data-node'), ...box(t) })),
            note: box(document.querySelector('[data-note="flow"]')),
            table: box(table && table.parentElement),
            conversions: Number(flow.getAttribute('data-conversions')),
          };
        })()`)) as {
          scrollWidth: number;
          innerWidth: number;
          nodes: string[];
          labels: Array<Box & { node: string }>;
          note: Box;
          table: Box;
          conversions: number;
        };
        expect(m.innerWidth).toBe(width);
        expect(m.scrollWidth, 'page scrolls sideways').toBeLessThanOrEqual(width);
        expect(m.conversions).toBe(report.summary.conversions);
        expect(m.labels.map((l) => l.node).sort()).toEqual(m.nodes.sort());
        for (const l of m.labels) expect(l.height, `label ${l.node} too small`).toBeGreaterThanOrEqual(9);
        for (const step of new Set(m.labels.map((l) => l.node.split('|')[0]))) {
          const col = m.labels.filter((l) => l.node.startsWith(`${step}|`)).sort((a, b) => a.top - b.top);
          for (let i = 1; i < col.length; i++)
            expect(col[i]!.top, `labels of step ${step} overlap`).toBeGreaterThanOrEqual(col[i - 1]!.bottom - 1);
        }
        // The note and the share table sit inside the page.
        expect(m.note.height).toBeGreaterThan(0);
        expect(m.note.right).toBeLessThanOrEqual(width);
        expect(m.table.right).toBeLessThanOrEqual(width);
      } finally {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      }
    });
  }
});
