/**
 * One entry point over every model, returning the shape the CLI prints and the lake stores:
 * { model, total_conversions, total_value, channels: [{ channel, conversions, value, removal_effect? }] }.
 * Pure: no I/O.
 */
import { type ChannelCredit, HEURISTIC_MODELS, type HeuristicModel, heuristicAttribution } from './heuristics.js';
import { type MarkovResult, markovAttribution, type Transition } from './markov.js';
import { AttributionInputError, type PathTable, totalsOf } from './paths.js';
import { EXACT_SHAPLEY_MAX_CHANNELS, shapleyExact, shapleySimplified } from './shapley.js';

export const MODEL_NAMES = ['markov', 'shapley', 'shapley_exact', ...HEURISTIC_MODELS] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** What `--model` accepts: a model, a group, or all. */
export const MODEL_SELECTORS = ['markov', 'shapley', 'shapley_exact', 'heuristic', 'all', ...HEURISTIC_MODELS] as const;
export type ModelSelector = (typeof MODEL_SELECTORS)[number];

export interface ChannelResult {
  channel: string;
  conversions: number;
  value: number;
  /** Markov only: 1 - P(conv without the channel) / P(conv). */
  removal_effect?: number;
}

export interface ModelResult {
  model: ModelName;
  total_conversions: number;
  total_value: number;
  channels: ChannelResult[];
}

export interface RunOptions {
  order?: number;
  convertingOnly?: boolean;
  directChannels?: readonly string[];
  /** Ask for the Markov transition matrix (returned beside the results). */
  transitionMatrix?: boolean;
}

export interface RunOutput {
  results: ModelResult[];
  /** The Markov run, when one was made (removal effects for value, P(conv), matrix, solver stats). */
  markov?: MarkovResult;
  transitionMatrix?: Transition[];
  /** Models left out of 'all' and why (e.g. exact Shapley over too many channels). */
  skipped: { model: ModelName; reason: string }[];
}

export function expandSelector(sel: ModelSelector): ModelName[] {
  switch (sel) {
    case 'all':
      return [...HEURISTIC_MODELS, 'shapley', 'shapley_exact', 'markov'];
    case 'heuristic':
      return [...HEURISTIC_MODELS];
    default:
      return [sel];
  }
}

function sortChannels(rows: ChannelResult[]): ChannelResult[] {
  return rows.sort((a, b) => b.conversions - a.conversions || a.channel.localeCompare(b.channel));
}

function fromCredits(model: ModelName, credits: ChannelCredit[], totals: { conversions: number; value: number }): ModelResult {
  return {
    model,
    total_conversions: totals.conversions,
    total_value: totals.value,
    channels: sortChannels(credits.map((c) => ({ channel: c.channel, conversions: c.conversions, value: c.value }))),
  };
}

export function runModels(t: PathTable, selector: ModelSelector, opts: RunOptions = {}): RunOutput {
  if (!(MODEL_SELECTORS as readonly string[]).includes(selector)) {
    throw new AttributionInputError(`unknown model "${selector}"; choose one of ${MODEL_SELECTORS.join(', ')}`);
  }
  const totals = totalsOf(t);
  const names = expandSelector(selector);
  const out: RunOutput = { results: [], skipped: [] };
  for (const model of names) {
    if (model === 'markov') {
      const m = markovAttribution(t, {
        order: opts.order ?? 1,
        convertingOnly: opts.convertingOnly ?? false,
        transitionMatrix: opts.transitionMatrix ?? false,
      });
      out.markov = m;
      if (m.transitionMatrix) out.transitionMatrix = m.transitionMatrix;
      out.results.push({
        model,
        total_conversions: m.totalConversions,
        total_value: m.totalValue,
        channels: sortChannels(
          m.channels.map((c) => ({ channel: c.channel, conversions: c.conversions, value: c.value, removal_effect: c.removalEffect })),
        ),
      });
    } else if (model === 'shapley') {
      out.results.push(fromCredits(model, shapleySimplified(t), totals));
    } else if (model === 'shapley_exact') {
      try {
        out.results.push(fromCredits(model, shapleyExact(t), totals));
      } catch (err) {
        // In 'all', too many channels for the exact form is a note, not a failure.
        if (selector === 'all' && err instanceof AttributionInputError) {
          out.skipped.push({ model, reason: err.message });
        } else throw err;
      }
    } else {
      out.results.push(fromCredits(model, heuristicAttribution(t, model as HeuristicModel, opts), totals));
    }
  }
  return out;
}

export { EXACT_SHAPLEY_MAX_CHANNELS };
