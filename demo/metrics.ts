/**
 * Identity stitching quality of the demo against the generator's truth: the evidence-only clustering and
 * the identifiers of an event (pairwise precision and recall are domain/identity/pairwise-quality.ts).
 */

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
    // biome-ignore lint/complexity/useMathMinMax: ids are strings; the smaller one becomes the root
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
