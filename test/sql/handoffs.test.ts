/**
 * Hand-offs, tasks, friction baselines and escalations (channel_activity, handoff_events, task_journeys,
 * channel_handoffs, person_friction, escalation_paths) and the channel-change session split, on small
 * hand-built persons (expectations worked out in the comments), plus invariants over generated data.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { EVENTS_COLUMNS, type EventRecord, toLakeTimestamp } from '../../schemas/lake.js';
import { resolveViewConfig, type ViewConfig } from '../../sql/config.js';
import { type EventInput, eventRecord } from './fixtures.js';

const COLS = [...EVENTS_COLUMNS.map((c) => c.name), 'event_date'];
const sqlValue = (v: unknown) =>
  v === null || v === undefined
    ? 'NULL'
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : `'${String(v).replace(/'/g, "''")}'`;

async function load(engine: DuckDbEngine, rows: EventRecord[]): Promise<void> {
  await engine.query('DELETE FROM events');
  if (rows.length === 0) return;
  const values = rows.map((r) => `(${COLS.map((c) => sqlValue((r as Record<string, unknown>)[c])).join(', ')})`);
  await engine.query(`INSERT INTO events (${COLS.join(', ')}) VALUES ${values.join(',\n')}`);
}

const t = (day: number, hhmm: string) => `2024-06-${String(day).padStart(2, '0')} ${hhmm}:00.000`;

const FIXTURE: EventInput[] = [
  // p1, the example: a paid-search landing, two internal pages (classified direct), then chat.
  { id: 'p1-land', person: 'p1', time: t(1, '10:00'), channel: 'paid_search', campaign: 'brand', pagePath: '/landing' },
  { id: 'p1-page2', person: 'p1', time: t(1, '10:01'), channel: 'direct', pagePath: '/product' },
  { id: 'p1-page3', person: 'p1', time: t(1, '10:02'), channel: 'direct', pagePath: '/help' },
  { id: 'p1-chat', person: 'p1', time: t(1, '10:05'), type: 'track', name: 'Chat Started', channel: 'chat' },
  // p2: email, then a store visit 25 days later: two tasks, no hand-off.
  { id: 'p2-email', person: 'p2', time: t(1, '10:00'), channel: 'email', campaign: 'june' },
  { id: 'p2-store', person: 'p2', time: t(26, '10:00'), type: 'track', name: 'Store Visit', channel: 'store' },
  // p3: chat, escalated to the call centre 20 min later, calls again at 14:00 (a new session): one task.
  { id: 'p3-chat', person: 'p3', time: t(1, '09:00'), type: 'track', name: 'Chat Started', channel: 'chat' },
  { id: 'p3-call1', person: 'p3', time: t(1, '09:20'), type: 'track', name: 'Call Started', channel: 'call_center' },
  { id: 'p3-call2', person: 'p3', time: t(1, '14:00'), type: 'track', name: 'Call Started', channel: 'call_center' },
  // p4: chat alone, then an order without a channel an hour later: a converted same-channel task.
  { id: 'p4-chat', person: 'p4', time: t(2, '09:00'), type: 'track', name: 'Chat Started', channel: 'chat' },
  { id: 'p4-order', person: 'p4', time: t(2, '10:00'), type: 'track', name: 'Order Completed', orderId: 'o4', revenue: 40, channel: null },
  // p5: chat alone, no conversion: an abandoned same-channel task.
  { id: 'p5-chat', person: 'p5', time: t(3, '09:00'), type: 'track', name: 'Chat Started', channel: 'chat' },
];

let dir: string;
let engine: DuckDbEngine;
type Row = Record<string, unknown>;

async function withEngine<T>(config: Partial<ViewConfig>, rows: EventRecord[], fn: (e: DuckDbEngine) => Promise<T>): Promise<T> {
  const e = await createDuckDbEngine({ lakeDir: dir, config });
  try {
    await load(e, rows);
    return await fn(e);
  } finally {
    await e.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-handoffs-'));
  engine = await createDuckDbEngine({ lakeDir: dir });
  await load(engine, FIXTURE.map(eventRecord));
});
afterAll(async () => {
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

const q = async (sql: string) => (await engine.query<Row>(sql)).rows;

describe('channel_handoffs on the issue example', () => {
  it('paid_search -> (internal direct pages) -> chat is exactly one hand-off, paid_search -> chat', async () => {
    expect(await q(`SELECT person_id, from_channel, to_channel, seconds_between FROM handoff_events WHERE person_id = 'p1'`)).toEqual([
      // from the last internal page (10:02, still the paid-search visit) to the chat (10:05)
      { person_id: 'p1', from_channel: 'paid_search', to_channel: 'chat', seconds_between: 180 },
    ]);
  });
  it('a 25-day gap is no hand-off: the store visit starts a second task', async () => {
    expect(await q(`SELECT count(*) AS n FROM handoff_events WHERE person_id = 'p2'`)).toEqual([{ n: 0 }]);
    expect(await q(`SELECT task_id, path FROM task_journeys WHERE person_id = 'p2' ORDER BY task_id`)).toEqual([
      { task_id: 'p2#1', path: 'email' },
      { task_id: 'p2#2', path: 'store' },
    ]);
  });
  it('per hand-off rows carry friction, the escalation flag and the same-channel baseline', async () => {
    expect(await q(`SELECT * FROM channel_handoffs ORDER BY from_channel, to_channel`)).toEqual([
      {
        from_channel: 'chat',
        to_channel: 'call_center',
        handoffs: 1,
        persons: 1,
        median_seconds_between: 1200,
        converted_after: 0,
        ended_without_conversion: 1,
        friction_rate: 1,
        is_escalation: true,
        // chat-only tasks: p4 converted (order 1 h later, no channel), p5 did not
        baseline_tasks: 2,
        baseline_abandonment_rate: 0.5,
      },
      {
        from_channel: 'paid_search',
        to_channel: 'chat',
        handoffs: 1,
        persons: 1,
        median_seconds_between: 180,
        converted_after: 0,
        ended_without_conversion: 1,
        friction_rate: 1,
        is_escalation: false,
        baseline_tasks: 0,
        baseline_abandonment_rate: null,
      },
    ]);
  });
});

describe('tasks, escalations and repeat contacts', () => {
  it('task_journeys: path, counts and outcome per task', async () => {
    expect(
      await q(`SELECT task_id, event_count, distinct_channels, path, handoffs, escalations, repeat_contacts, converted
        FROM task_journeys WHERE person_id IN ('p1', 'p3', 'p4') ORDER BY task_id`),
    ).toEqual([
      {
        task_id: 'p1#1',
        event_count: 4,
        distinct_channels: 2,
        path: 'paid_search > chat',
        handoffs: 1,
        escalations: 0,
        repeat_contacts: 0,
        converted: false,
      },
      {
        task_id: 'p3#1',
        event_count: 3,
        distinct_channels: 2,
        path: 'chat > call_center',
        handoffs: 1,
        escalations: 1,
        repeat_contacts: 1,
        converted: false,
      },
      // the order has no channel, so it is no step of the task, but it converts it (within 24 h of the chat)
      {
        task_id: 'p4#1',
        event_count: 1,
        distinct_channels: 1,
        path: 'chat',
        handoffs: 0,
        escalations: 0,
        repeat_contacts: 0,
        converted: true,
      },
    ]);
  });
  it('escalation_paths: chat -> call_center, and the second call as a repeat contact', async () => {
    expect(await q(`SELECT * FROM escalation_paths ORDER BY kind`)).toEqual([
      {
        kind: 'escalation',
        from_channel: 'chat',
        to_channel: 'call_center',
        occurrences: 1,
        persons: 1,
        ended_without_conversion: 1,
        abandonment_rate: 1,
        baseline_abandonment_rate: 0.5,
      },
      {
        kind: 'repeat_contact',
        from_channel: 'call_center',
        to_channel: 'call_center',
        occurrences: 1,
        persons: 1,
        ended_without_conversion: 1,
        abandonment_rate: 1,
        baseline_abandonment_rate: null,
      },
    ]);
  });
  it('person_friction: p3 and p4', async () => {
    expect(
      await q(`SELECT person_id, tasks, same_channel_tasks, cross_channel_tasks, handoffs, friction_rate, cross_channel_abandonment_rate,
        baseline_abandonment_rate, escalations, repeat_contacts FROM person_friction WHERE person_id IN ('p3', 'p4') ORDER BY person_id`),
    ).toEqual([
      {
        person_id: 'p3',
        tasks: 1,
        same_channel_tasks: 0,
        cross_channel_tasks: 1,
        handoffs: 1,
        friction_rate: 1,
        cross_channel_abandonment_rate: 1,
        baseline_abandonment_rate: null,
        escalations: 1,
        repeat_contacts: 1,
      },
      {
        person_id: 'p4',
        tasks: 1,
        same_channel_tasks: 1,
        cross_channel_tasks: 0,
        handoffs: 0,
        friction_rate: null,
        cross_channel_abandonment_rate: null,
        baseline_abandonment_rate: 0,
        escalations: 0,
        repeat_contacts: 0,
      },
    ]);
  });
  it('handoffWindowHours bounds tasks and repeat contacts: with 1 h the 14:00 call is a new task', async () => {
    const got = await withEngine({ handoffWindowHours: 1 }, FIXTURE.map(eventRecord), async (e) => ({
      tasks: (await e.query(`SELECT task_id, path FROM task_journeys WHERE person_id = 'p3' ORDER BY task_id`)).rows,
      signals: (await e.query(`SELECT kind, occurrences FROM escalation_paths ORDER BY kind`)).rows,
      // p4's order is exactly 1 h after the chat: still inside the (inclusive) window
      p4: (await e.query(`SELECT converted FROM task_journeys WHERE person_id = 'p4'`)).rows,
    }));
    expect(got).toEqual({
      tasks: [
        { task_id: 'p3#1', path: 'chat > call_center' },
        { task_id: 'p3#2', path: 'call_center' },
      ],
      signals: [{ kind: 'escalation', occurrences: 1 }],
      p4: [{ converted: true }],
    });
  });
});

describe('splitSessionsOnChannelChange', () => {
  it('does not split on the internal (direct) pages after a campaign landing; still splits on chat', async () => {
    const rows = [
      ...FIXTURE.filter((e) => e.person === 'p1'),
      // p6: a paid-search landing, an internal page, a second click on the same ad, then an email link
      { id: 'p6-land', person: 'p6', time: t(1, '10:00'), channel: 'paid_search', campaign: 'brand' },
      { id: 'p6-page2', person: 'p6', time: t(1, '10:01'), channel: 'direct' },
      { id: 'p6-again', person: 'p6', time: t(1, '10:02'), channel: 'paid_search', campaign: 'brand' },
      { id: 'p6-email', person: 'p6', time: t(1, '10:03'), channel: 'email', campaign: 'june' },
      // p7: a direct landing (a session start by timeout rules) followed by an email click: the change splits
      { id: 'p7-direct', person: 'p7', time: t(1, '10:00'), channel: 'direct' },
      { id: 'p7-email', person: 'p7', time: t(1, '10:01'), channel: 'email', campaign: 'june' },
    ] satisfies EventInput[];
    const sessions = await withEngine({ splitSessionsOnChannelChange: true }, rows.map(eventRecord), async (e) => {
      return (
        await e.query(`SELECT person_id, session_number, event_count, landing_channel FROM sessions ORDER BY person_id, session_number`)
      ).rows;
    });
    expect(sessions).toEqual([
      { person_id: 'p1', session_number: 1, event_count: 3, landing_channel: 'paid_search' },
      { person_id: 'p1', session_number: 2, event_count: 1, landing_channel: 'chat' },
      { person_id: 'p6', session_number: 1, event_count: 3, landing_channel: 'paid_search' },
      { person_id: 'p6', session_number: 2, event_count: 1, landing_channel: 'email' },
      { person_id: 'p7', session_number: 1, event_count: 1, landing_channel: 'direct' },
      { person_id: 'p7', session_number: 2, event_count: 1, landing_channel: 'email' },
    ]);
  });
});

describe('view config', () => {
  it('validates the task window, escalation paths and contact channels', () => {
    expect(resolveViewConfig().handoffWindowHours).toBe(24);
    expect(() => resolveViewConfig({ handoffWindowHours: 0 })).toThrow(/handoffWindowHours must be a positive number/);
    expect(() => resolveViewConfig({ escalationPaths: [['chat', 'chat']] })).toThrow(/escalationPaths/);
    expect(() => resolveViewConfig({ escalationPaths: [['chat']] as never })).toThrow(/escalationPaths/);
    expect(() => resolveViewConfig({ contactChannels: [] })).toThrow(/contactChannels/);
    expect(resolveViewConfig({ escalationPaths: [] }).escalationPaths).toEqual([]);
  });
});

describe('invariants over generated activity', () => {
  const BASE = Date.parse('2024-03-01T00:00:00.000Z');
  const MIN = 60_000;
  // Gaps around the session timeout (30 min) and the task window (24 h), never within 30 min above
  // 24 h, so that an internal page inserted 1 ms after an event cannot bridge two tasks.
  const gap = fc.constantFrom(1, 10, 29, 31, 120, 23 * 60 + 59, 24 * 60, 25 * 60, 25 * 24 * 60);
  const step = fc.record({
    gap,
    channel: fc.constantFrom('paid_search', 'email', 'chat', 'call_center', 'web', 'direct', 'store'),
    order: fc.boolean(),
    page: fc.boolean(),
  });
  const people = fc.array(fc.array(step, { minLength: 1, maxLength: 7 }), { minLength: 1, maxLength: 3 });

  function build(persons: { gap: number; channel: string; order: boolean; page: boolean }[][], withPages: boolean): EventRecord[] {
    const rows: EventRecord[] = [];
    persons.forEach((steps, p) => {
      let ms = BASE;
      steps.forEach((s, i) => {
        ms += s.gap * MIN;
        const base = { person: `u${p}`, time: toLakeTimestamp(ms), channel: s.channel };
        rows.push(
          eventRecord(
            s.order
              ? { ...base, id: `u${p}-${i}`, type: 'track', name: 'Order Completed', orderId: `o${p}-${i}` }
              : { ...base, id: `u${p}-${i}` },
          ),
        );
        // An internal page 1 ms later: the processor classifies it direct; it is never a session start.
        if (withPages && s.page)
          rows.push(eventRecord({ id: `u${p}-${i}-page`, person: `u${p}`, time: toLakeTimestamp(ms + 1), channel: 'direct' }));
      });
    });
    return rows;
  }

  it('internal direct pages never change the hand-offs; hand-offs stay inside the window and add up', async () => {
    const windowMs = 24 * 3_600_000;
    await fc.assert(
      fc.asyncProperty(people, async (persons) => {
        const pairs = async () =>
          (await engine.query(`SELECT from_channel, to_channel, handoffs FROM channel_handoffs ORDER BY from_channel, to_channel`)).rows;
        await load(engine, build(persons, false));
        const without = await pairs();
        await load(engine, build(persons, true));
        expect(await pairs()).toEqual(without);

        const [inv] = (
          await engine.query<Row>(`SELECT
            (SELECT count(*) FROM handoff_events) AS events,
            (SELECT coalesce(sum(handoffs), 0) FROM channel_handoffs) AS by_pair,
            (SELECT coalesce(sum(handoffs), 0) FROM task_journeys) AS by_task,
            (SELECT coalesce(sum(handoffs), 0) FROM person_friction) AS by_person,
            (SELECT count(*) FROM handoff_events WHERE from_channel = to_channel OR seconds_between * 1000 > ${windowMs}) AS bad_handoffs,
            (SELECT count(*) FROM task_journeys WHERE ${'len(channels)'} <> handoffs + 1) AS bad_paths,
            (SELECT count(*) FROM channel_activity a JOIN events_sessionized s ON s.message_id = a.message_id
              WHERE NOT s.is_session_start AND a.channel = 'direct' AND a.channel <> a.touchpoint_channel) AS bad_direct`)
        ).rows;
        expect(inv).toEqual({
          events: inv!.by_pair,
          by_pair: inv!.by_task,
          by_task: inv!.by_person,
          by_person: inv!.events,
          bad_handoffs: 0,
          bad_paths: 0,
          bad_direct: 0,
        });
        // consecutive tasks of a person are more than the window apart
        const tasks = (
          await engine.query<{ person_id: string; task_start: string; task_end: string }>(
            `SELECT person_id, task_start, task_end FROM task_journeys ORDER BY person_id, task_number`,
          )
        ).rows;
        for (let i = 1; i < tasks.length; i++) {
          if (tasks[i]!.person_id !== tasks[i - 1]!.person_id) continue;
          expect(Date.parse(tasks[i]!.task_start) - Date.parse(tasks[i - 1]!.task_end)).toBeGreaterThan(windowMs);
        }
      }),
      { numRuns: 8 },
    );
  }, 240_000); // 8 runs x 6 queries over the whole view stack: minutes on a loaded 2-core machine
});
