/**
 * Which Threadline views a statement needs, so that an engine can create just those (and what they
 * read) instead of every view before the first query.
 */
import type { RenderedView } from '../sql/index.js';

const WORD = /[A-Za-z_][A-Za-z0-9_$]*/g;

function words(sql: string): Set<string> {
  return new Set(Array.from(sql.matchAll(WORD), (m) => m[0].toLowerCase()));
}

/**
 * The views whose names occur in `sql` as words, plus every view those read, in the order of `views`
 * (creation order: each after what it reads). A view's own SQL is scanned the same way, so the answer
 * follows what the rendered view actually reads. Matching is by word and case-insensitive, as
 * identifiers are; a name inside a string or comment only adds a view that was not needed.
 */
export function viewsNeeded(sql: string, views: readonly RenderedView[]): RenderedView[] {
  const byName = new Map(views.map((v) => [v.name.toLowerCase(), v]));
  const needed = new Set<string>();
  const pending = [...words(sql)].filter((w) => byName.has(w));
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (needed.has(name)) continue;
    needed.add(name);
    for (const w of words(byName.get(name)!.select)) if (byName.has(w) && !needed.has(w)) pending.push(w);
  }
  return views.filter((v) => needed.has(v.name.toLowerCase()));
}
