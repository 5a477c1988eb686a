/**
 * Retention builder: persons grouped into cohorts by the period of their first event (or first
 * `cohortEvent`), and counted in each later period in which they return (any activity event, or
 * `returnEvent`). Renders SQL for either engine over events_resolved.
 *
 * period_number = whole periods between the start of the cohort period and the start of the period of
 * the return (date_trunc on both sides, so "week 1" is the next calendar week, Monday-based in both
 * engines). Period 0 is the cohort period itself. Rows exist only where persons > 0.
 * Output: cohort ('YYYY-MM-DD' start of the cohort period), period_number, cohort_size, persons,
 * retention_rate (persons / cohort_size).
 */
import { type Dialect, dbl, dialectFor, inList, lit } from '../dialect.js';
import { timeBound } from './funnel.js';

export interface RetentionSpec {
  readonly period: 'day' | 'week' | 'month';
  /** Largest period_number reported (default 12). */
  readonly periods?: number;
  readonly cohortEvent?: string;
  readonly returnEvent?: string;
  readonly from?: string;
  readonly to?: string;
}

export interface RetentionRow {
  cohort: string;
  period_number: number;
  cohort_size: number;
  persons: number;
  retention_rate: number;
}

export function buildRetentionSql(dialect: Dialect, spec: RetentionSpec): string {
  const d = dialectFor(dialect);
  if (!['day', 'week', 'month'].includes(spec.period)) throw new RangeError(`period must be day, week or month`);
  const periods = spec.periods ?? 12;
  if (!Number.isInteger(periods) || periods < 0) throw new RangeError('periods must be a non-negative integer');
  const p = lit(spec.period);
  const bounds = [
    spec.from ? `AND event_time >= ${timeBound(spec.from)}` : '',
    spec.to ? `AND event_time < ${timeBound(spec.to)}` : '',
  ].join(' ');
  return `WITH activity AS (
  SELECT canonical_person_id AS person_id, event_name, event_time
  FROM events_resolved
  WHERE event_type IN ${inList(['track', 'page', 'screen'])} AND canonical_person_id IS NOT NULL AND event_time IS NOT NULL ${bounds}
),
cohorts AS (
  SELECT person_id, date_trunc(${p}, min(event_time)) AS cohort_start
  FROM activity
  ${spec.cohortEvent ? `WHERE event_name = ${lit(spec.cohortEvent)}` : ''}
  GROUP BY person_id
),
returns AS (
  SELECT DISTINCT c.person_id, c.cohort_start,
    ${d.elapsed(spec.period, 'c.cohort_start', `date_trunc(${p}, a.event_time)`)} AS period_number
  FROM cohorts c
  JOIN activity a ON a.person_id = c.person_id AND a.event_time >= c.cohort_start
  ${spec.returnEvent ? `AND a.event_name = ${lit(spec.returnEvent)}` : ''}
),
sizes AS (
  SELECT cohort_start, count(*) AS cohort_size FROM cohorts GROUP BY cohort_start
)
SELECT ${d.dateString('r.cohort_start')} AS cohort, CAST(r.period_number AS INTEGER) AS period_number,
  CAST(s.cohort_size AS BIGINT) AS cohort_size, count(*) AS persons,
  ${dbl('count(*)')} / ${dbl('s.cohort_size')} AS retention_rate
FROM returns r
JOIN sizes s ON s.cohort_start = r.cohort_start
WHERE r.period_number <= ${periods}
GROUP BY r.cohort_start, r.period_number, s.cohort_size
ORDER BY cohort, period_number`;
}
