/**
 * identity_map: for every person id that was merged away, the canonical person id it ends up in.
 *
 * | column              | type    | doc |
 * | from_person_id      | VARCHAR | Person id that was merged into another |
 * | canonical_person_id | VARCHAR | Where the chain of merges ends (a person never merged away) |
 * | hops                | INTEGER | Length of the merge chain followed (1 = direct merge) |
 *
 * identity_changes holds one edge per merge (from -> to); `to` may itself be merged later, so chains
 * (A -> B -> C) must be followed to the end. Athena limits WITH RECURSIVE to depth 10, so instead the view
 * uses POINTER JUMPING: step k joins the mapping to itself, so after k steps every chain of up to 2^k hops
 * is resolved. The number of steps comes from ViewConfig.identityMaxHops (default 16 -> 4 self-joins);
 * a longer chain resolves to the member 16 hops down it (documented limit; the processor merges root
 * into root, so real chains are short). Trino inlines CTEs: Athena reads identity_changes 2^steps
 * times (16 with the default), a small table next to events. If one id was merged away twice, the latest
 * change (changed_at, then change_id) wins. Cycles (never written by the processor) have no defined
 * canonical member and map to one of their members.
 */
import type { ViewConfig } from '../config.js';
import { c, defineView } from '../view.js';

export function jumpSteps(maxHops: number): number {
  return Math.max(0, Math.ceil(Math.log2(Math.max(1, maxHops))));
}

export const identityMap = defineView({
  name: 'identity_map',
  description:
    'Merged-away person id -> canonical person id, following multi-hop merge chains by pointer jumping ' +
    '(no recursion; chains up to identityMaxHops, default 16, resolve fully).',
  dependsOn: ['identity_changes'],
  columns: [
    c('from_person_id', 'VARCHAR', 'Person id that was merged into another'),
    c('canonical_person_id', 'VARCHAR', 'Person id at the end of the merge chain'),
    c('hops', 'INTEGER', 'Merges followed from from_person_id to canonical_person_id'),
  ],
  example: `SELECT canonical_person_id, count(*) AS merged_ids, max(hops) AS longest_chain
FROM identity_map GROUP BY canonical_person_id ORDER BY merged_ids DESC LIMIT 20`,
  render: (_d, cfg) => identityMapSelect(cfg),
});

/**
 * The identity_map SELECT over any relation with identity_changes' columns: the refresh planner renders
 * it over the changes it had already seen, to tell which person ids a newer merge moved.
 */
export function identityMapSelect(cfg: ViewConfig, source = 'identity_changes'): string {
  const steps = jumpSteps(cfg.identityMaxHops);
  const ctes = [
    `latest_change AS (
  SELECT from_person_id, to_person_id,
    row_number() OVER (PARTITION BY from_person_id ORDER BY changed_at DESC NULLS LAST, change_id DESC NULLS LAST) AS change_rank
  FROM ${source}
  WHERE from_person_id IS NOT NULL AND to_person_id IS NOT NULL AND from_person_id <> to_person_id
)`,
    `hop0 AS (
  SELECT from_person_id, to_person_id AS canonical_person_id, CAST(1 AS INTEGER) AS hops
  FROM latest_change WHERE change_rank = 1
)`,
  ];
  for (let k = 1; k <= steps; k++) {
    ctes.push(`hop${k} AS (
  SELECT a.from_person_id,
    coalesce(b.canonical_person_id, a.canonical_person_id) AS canonical_person_id,
    CAST(a.hops + coalesce(b.hops, 0) AS INTEGER) AS hops
  FROM hop${k - 1} a LEFT JOIN hop${k - 1} b ON b.from_person_id = a.canonical_person_id
)`);
  }
  return `WITH ${ctes.join(',\n')}
SELECT from_person_id, canonical_person_id, hops
FROM hop${steps}`;
}
