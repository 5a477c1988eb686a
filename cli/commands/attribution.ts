/**
 * `threadline attribution`: data-driven (Markov, Shapley) and rule-based attribution over channel
 * paths, from the channel_paths view (local lake or Athena) or a ChannelAttribution-format file.
 * The math lives in analytics/attribution (pure); this file parses options, loads, prints, saves.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import {
  AttributionInputError,
  MAX_ORDER,
  MODEL_SELECTORS,
  type ModelResult,
  type ModelSelector,
  type RunOutput,
  runModels,
  type Transition,
  totalsOf,
} from '../../domain/index.js';
import { DEFAULT_LAKE_DIR } from '../../local/index.js';
import { type LoadedPaths, loadPathsFile, loadPathsFromEngine, saveResultsAthena, saveResultsLocal } from '../../query/index.js';
import { resultRows } from '../../sql/index.js';
import { openEngine } from '../engine.js';
import { withEngineOptions } from '../engine-options.js';
import { action, EXIT, UserError } from '../errors.js';

const FORMATS = ['table', 'json', 'csv'] as const;
type Format = (typeof FORMATS)[number];

interface Opts {
  model: string;
  order: string;
  paths?: string;
  format: string;
  engine: string;
  lake: string;
  convertingOnly?: boolean;
  showMatrix?: boolean;
  save?: boolean;
  direct: string;
  workgroup?: string;
  database?: string;
  outputLocation?: string;
  region?: string;
}

export function register(program: Command): void {
  withEngineOptions(
    program
      .command('attribution')
      .description('Markov-chain, Shapley and rule-based attribution of conversions and value to channels')
      .option('--model <model>', `${MODEL_SELECTORS.join(' | ')}`, 'markov')
      .option('--order <k>', `Markov order, 1 to ${MAX_ORDER} (states = windows of k consecutive channels)`, '1')
      .option(
        '--paths <file>',
        'read paths from a ChannelAttribution file (path;total_conversions;total_conversion_value;total_null) instead of the channel_paths view',
      )
      .option('--format <format>', 'table, json or csv', 'table')
      .option('--converting-only', 'Markov on converting paths only (ChannelAttribution without var_null)')
      .option('--show-matrix', 'also print the Markov transition matrix')
      .option('--save', 'write the results to the attribution_results lake table (local Parquet, or Athena INSERT INTO)')
      .option('--direct <channels>', 'comma-separated channels last_non_direct skips', 'direct'),
    'where channel_paths lives: local (DuckDB over --lake) or athena',
    'lake folder for --engine local (and for --save)',
  )
    .addHelpText(
      'after',
      `
Models: markov (removal effects, exact), shapley (Zhao et al. simplified), shapley_exact (all coalitions,
up to 20 channels), first_touch, last_touch, last_non_direct, linear, position_based;
'heuristic' = the five rule-based ones, 'all' = everything side by side.
time_decay needs touch timestamps, which paths do not carry: see \`threadline query attribution_summary\`.

Examples:
  threadline attribution --model all
  threadline attribution --model markov --order 2 --show-matrix
  threadline attribution --paths data/paths.csv --model all --format json
  threadline attribution --engine athena --workgroup threadline --database threadline --save

Exit codes: 0 ok, 2 bad option or bad input file, 3 no data (no lake, no paths or no conversions), 1 other.
Method and caveats: docs/attribution.md`,
    )
    .action(action(async (opts: Opts) => attributionCommand(opts)));
}

function parseOptions(opts: Opts): { selector: ModelSelector; order: number; format: Format } {
  if (!(MODEL_SELECTORS as readonly string[]).includes(opts.model)) {
    throw new UserError(`--model must be one of ${MODEL_SELECTORS.join(', ')}; got "${opts.model}"`);
  }
  const order = Number(opts.order);
  if (!Number.isInteger(order) || order < 1 || order > MAX_ORDER) {
    throw new UserError(`--order must be a whole number from 1 to ${MAX_ORDER}; got "${opts.order}"`);
  }
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new UserError(`--format must be one of ${FORMATS.join(', ')}; got "${opts.format}"`);
  }
  if (opts.engine !== 'local' && opts.engine !== 'athena') {
    throw new UserError(`--engine must be local or athena; got "${opts.engine}"`);
  }
  return { selector: opts.model as ModelSelector, order, format: opts.format as Format };
}

async function attributionCommand(opts: Opts): Promise<void> {
  const { selector, order, format } = parseOptions(opts);
  const needsEngine = !opts.paths || (opts.save && opts.engine === 'athena');
  const opened = needsEngine ? await openEngine(opts) : undefined;
  try {
    let loaded: LoadedPaths;
    try {
      loaded = opts.paths
        ? await loadPathsFile(opts.paths)
        : await loadPathsFromEngine(opened!.engine, `channel_paths (${opened!.describe})`);
    } catch (err) {
      if (err instanceof AttributionInputError) {
        const noData = /channel_paths is empty/.test(err.message);
        throw new UserError(
          noData ? `${err.message}: run \`npx threadline demo\`, or pass --paths FILE` : err.message,
          noData ? EXIT.noData : EXIT.usage,
        );
      }
      throw new UserError(`reading channel_paths failed: ${(err as Error).message}`, EXIT.error);
    }
    const totals = totalsOf(loaded.table);
    if (totals.conversions <= 0) {
      throw new UserError(`no conversions in ${loaded.source}: nothing to attribute`, EXIT.noData);
    }

    let out: RunOutput;
    try {
      out = runModels(loaded.table, selector, {
        order,
        convertingOnly: Boolean(opts.convertingOnly),
        directChannels: opts.direct
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        transitionMatrix: Boolean(opts.showMatrix),
      });
    } catch (err) {
      if (err instanceof AttributionInputError) throw new UserError(err.message, EXIT.usage);
      throw err;
    }

    const notes: string[] = [];
    if (!loaded.hasNulls && out.markov && !opts.convertingOnly) {
      notes.push('the input has no total_null column: Markov used converting paths only');
    }
    if (loaded.skipped > 0) notes.push(`${loaded.skipped} channel_paths row(s) without a path were skipped`);
    for (const s of out.skipped) notes.push(`${s.model} skipped: ${s.reason}`);
    if (selector === 'all' || selector === 'heuristic') {
      notes.push('time_decay needs touch timestamps, which paths do not carry: `threadline query attribution_summary` has it');
    }

    if (format === 'json') printJson(selector, out, Boolean(opts.showMatrix));
    else if (format === 'csv') printCsv(out, Boolean(opts.showMatrix));
    else printTable(out, loaded, Boolean(opts.convertingOnly), order, notes);
    if (format !== 'table') for (const n of notes) console.error(`note: ${n}`);

    if (opts.save) {
      const runId = `${new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
      const rows = resultRows(out.results, {
        runId,
        computedAt: new Date(),
        order,
        convertingOnly: Boolean(opts.convertingOnly) || !loaded.hasNulls,
        source: loaded.source,
      });
      if (opts.engine === 'athena') {
        await saveResultsAthena(opened!.engine, rows).catch((err: Error) => {
          throw new UserError(
            `saving to Athena failed: ${err.message} (the attribution_results table is created by the CDK stack: docs/deploy.md)`,
            EXIT.error,
          );
        });
        console.error(`saved run ${runId}: ${rows.length} rows into attribution_results (Athena)`);
      } else {
        const file = await saveResultsLocal(opts.lake, rows, runId);
        console.error(`saved run ${runId}: ${rows.length} rows to ${file}`);
        const lakeArg = path.resolve(opts.lake) === path.resolve(DEFAULT_LAKE_DIR) ? '' : ` --lake ${opts.lake}`;
        console.error(`query them: threadline query attribution_results${lakeArg}`);
      }
    }
  } finally {
    await opened?.engine.close();
  }
}

// ---------------------------------------------------------------------------------------- output

function printJson(selector: ModelSelector, out: RunOutput, withMatrix: boolean): void {
  const single = selector !== 'all' && selector !== 'heuristic';
  const results: (ModelResult & { transition_matrix?: Transition[] })[] = out.results.map((r) =>
    withMatrix && r.model === 'markov' && out.transitionMatrix ? { ...r, transition_matrix: out.transitionMatrix } : r,
  );
  console.log(JSON.stringify(single ? results[0] : results, null, 2));
}

function csvCell(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function printCsv(out: RunOutput, withMatrix: boolean): void {
  const lines = ['model,channel,conversions,value,removal_effect'];
  for (const r of out.results) {
    for (const c of r.channels) lines.push([r.model, c.channel, c.conversions, c.value, c.removal_effect].map(csvCell).join(','));
  }
  if (withMatrix && out.transitionMatrix) {
    lines.push('', 'from,to,probability');
    for (const t of out.transitionMatrix) lines.push([t.from, t.to, t.probability].map(csvCell).join(','));
  }
  console.log(lines.join('\n'));
}

const BAR_WIDTH = 20;
const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `share` (0..1) of BAR_WIDTH cells, in eighths of a cell. */
export function bar(share: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, share)) * BAR_WIDTH * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + PARTIAL[eighths % 8]!;
}

function fmt(x: number): string {
  return Math.abs(x) >= 10_000 ? x.toFixed(0) : x.toFixed(2);
}

/** Counts in the summary line: whole numbers stay whole. */
function fmtCount(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

function sideBySide(out: RunOutput, measure: 'conversions' | 'value', total: number): string[] {
  const models = out.results;
  const primary = models.find((m) => m.model === 'markov') ?? models[models.length - 1]!;
  // channels in the primary model's order (largest credit first)
  const channels = primary.channels.map((c) => c.channel);
  const cell = (m: ModelResult, ch: string) => m.channels.find((c) => c.channel === ch);
  const header = ['channel', ...models.map((m) => m.model)];
  const hasRe = measure === 'conversions' && primary.model === 'markov';
  if (hasRe) header.push('removal_effect');
  header.push(`${primary.model} share`);
  const rows = channels.map((ch) => {
    const row = [ch, ...models.map((m) => fmt(cell(m, ch)?.[measure] ?? 0))];
    if (hasRe) row.push((cell(primary, ch)?.removal_effect ?? 0).toFixed(4));
    const share = total > 0 ? (cell(primary, ch)?.[measure] ?? 0) / total : 0;
    row.push(`${bar(share).padEnd(BAR_WIDTH)} ${(share * 100).toFixed(1).padStart(5)}%`);
    return row;
  });
  const totalRow = ['total', ...models.map((m) => fmt(m.channels.reduce((s, c) => s + c[measure], 0)))];
  while (totalRow.length < header.length) totalRow.push('');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length), (totalRow[i] ?? '').length));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === header.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line), line(totalRow)];
}

function printTable(out: RunOutput, loaded: LoadedPaths, convertingOnly: boolean, order: number, notes: string[]): void {
  const t = totalsOf(loaded.table);
  const lines: string[] = [];
  lines.push(
    `${loaded.source}: ${loaded.table.size} paths, ${loaded.table.channels.length} channels, ` +
      `${fmtCount(t.conversions)} conversions (value ${fmtCount(t.value)}), ${fmtCount(t.nulls)} non-converting journeys`,
  );
  lines.push('', 'conversions credited', ...sideBySide(out, 'conversions', t.conversions));
  if (t.value > 0) lines.push('', 'value credited', ...sideBySide(out, 'value', t.value));
  if (out.markov) {
    const m = out.markov;
    lines.push(
      '',
      `markov: order ${order}, ${convertingOnly || !loaded.hasNulls ? 'converting paths only' : 'with non-converting paths'}, ` +
        `P(conversion) = ${m.conversionProbability.toFixed(6)}, ${m.states} states, ${m.transitions} transitions, ` +
        `exact ${m.solver === 'dense' ? 'LU solve' : `Gauss-Seidel (${m.iterations} sweeps)`}`,
    );
  }
  if (out.transitionMatrix) {
    lines.push('', 'transition matrix (from -> to: probability)');
    for (const e of out.transitionMatrix) lines.push(`  ${e.from} -> ${e.to}: ${e.probability.toFixed(6)}`);
  }
  for (const n of notes) lines.push(`note: ${n}`);
  console.log(lines.join('\n'));
}
