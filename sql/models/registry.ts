/**
 * The journey models in refresh order: each after what it reads from the refresh start on
 * (model_events_sessionized also reads model_sessions, but only the partitions before the start,
 * which the refresh leaves as they are).
 */
import { createHash } from 'node:crypto';
import { resolveViewConfig, type ViewConfig } from '../config.js';
import { type Dialect, dialectFor } from '../dialect.js';
import type { ViewColumn } from '../view.js';
import { modelConversions } from './conversions.js';
import { modelEvents } from './events.js';
import { modelEventsSessionized } from './events-sessionized.js';
import type { ModelDefinition } from './model.js';
import { modelSessions } from './sessions.js';
import { modelTouchpoints } from './touchpoints.js';

export const MODELS: readonly ModelDefinition[] = [modelEvents, modelEventsSessionized, modelSessions, modelTouchpoints, modelConversions];
export const MODEL_NAMES = MODELS.map((m) => m.name);

export interface RenderedModel {
  readonly name: string;
  readonly columns: readonly ViewColumn[];
  /** The SELECT of the rows of every partition >= from; without from, of every row (no carried state). */
  select(from?: string): string;
}

export function renderModels(dialect: Dialect, config: Partial<ViewConfig> = {}): RenderedModel[] {
  const cfg = resolveViewConfig(config);
  const d = dialectFor(dialect);
  return MODELS.map((m) => ({ name: m.name, columns: m.columns, select: (from?: string) => m.render(d, cfg, from).trim() }));
}

/**
 * A short hash of everything that decides the models' rows: their SQL for a configuration and
 * dialect, and their columns. Models built by other code or another configuration live under another
 * fingerprint, so changing the session timeout or upgrading Threadline rebuilds them instead of mixing
 * rows computed two ways.
 */
export function modelsFingerprint(dialect: Dialect, config: Partial<ViewConfig> = {}): string {
  const h = createHash('sha256');
  for (const m of renderModels(dialect, config)) {
    h.update(m.name).update('\0').update(m.select('2000-01-01')).update('\0');
    h.update(m.columns.map((col) => `${col.name}:${col.type}`).join(',')).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}
