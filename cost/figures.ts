/**
 * The per-event figures the cost model uses by default: the labelled assumptions of model.ts,
 * overlaid with what `npm run cost:measure` measured on the local pipeline (real collector and
 * processor code over kinesalite/dynalite/the local Firehose), stored in measured-figures.json with
 * the run that produced them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_FIGURES, type Figure, type PerEventFigures, withFigures } from './model.js';

export const MEASURED_FIGURES_PATH = join(dirname(fileURLToPath(import.meta.url)), 'measured-figures.json');

export interface MeasuredFiguresFile {
  measuredAt: string;
  run: string;
  figures: Partial<Record<keyof PerEventFigures, Figure>>;
}

export function loadDefaultFigures(path = MEASURED_FIGURES_PATH): PerEventFigures {
  if (!existsSync(path)) return DEFAULT_FIGURES;
  const file = JSON.parse(readFileSync(path, 'utf8')) as MeasuredFiguresFile;
  return withFigures(DEFAULT_FIGURES, file.figures);
}
