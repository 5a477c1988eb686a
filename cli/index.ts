/**
 * The `threadline` command. Each sub-command lives in cli/commands/<name>.ts and exports
 * `register(program: Command): void`; this file only wires them together.
 */
import { Command } from 'commander';

// The pinned AWS SDK runs on Node 20 (README: Limits). Its notice that later releases need Node 22
// would otherwise interleave with every command's output; set the variable to 'false' to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface CommandModule {
  register: (p: Command) => void;
}

// One loader per command, with literal paths so that the bundler (cli/build.ts) splits each command's
// dependency graph into its own chunk: `threadline query` then never loads the demo generator or the CDK.
const COMMAND_MODULES = {
  local: () => import('./commands/local.js'), // embedded pipeline on loopback
  demo: () => import('./commands/demo.js'), // generated omnichannel data through the local pipeline + report
  send: () => import('./commands/send.js'), // NDJSON file to any endpoint
  query: () => import('./commands/query.js'), // a view or SQL on DuckDB or Athena
  refresh: () => import('./commands/refresh.js'), // bring the journey models up to date
  funnel: () => import('./commands/funnel.js'), // funnel builder
  report: () => import('./commands/report.js'), // HTML report from the lake
  attribution: () => import('./commands/attribution.js'), // rule-based and data-driven attribution
  keys: () => import('./commands/keys.js'), // write keys: add | list | revoke
  'replay-dead-letters': () => import('./commands/replay-dead-letters.js'), // re-put the processor's dead-lettered stream batches
  cost: () => import('./commands/cost.js'), // cost model per million events
} satisfies Record<string, () => Promise<CommandModule>>;

export type CommandName = keyof typeof COMMAND_MODULES;
export const COMMAND_NAMES = Object.keys(COMMAND_MODULES) as CommandName[];

/** The program with the given commands registered (all of them by default, as help lists them all). */
export async function buildProgram(names: readonly CommandName[] = COMMAND_NAMES): Promise<Command> {
  const program = new Command('threadline')
    .description('Omnichannel customer telemetry: collect, stitch, land and query journeys.')
    .showHelpAfterError()
    .exitOverride((err) => {
      process.exitCode = err.exitCode;
      throw err;
    });
  const mods = await Promise.all(COMMAND_NAMES.filter((n) => names.includes(n)).map((n) => COMMAND_MODULES[n]()));
  for (const mod of mods) mod.register(program);
  return program;
}

/**
 * The commands a command line needs: just the one it names, or all of them for anything else (no
 * command, `help`, `--help`, a typo), so that help and "unknown command" list every command.
 * The top-level program has no options but help, so a command line that names a command starts with it.
 */
export function commandsFor(args: readonly string[]): CommandName[] {
  const first = args[0];
  return first !== undefined && Object.hasOwn(COMMAND_MODULES, first) ? [first as CommandName] : COMMAND_NAMES;
}

async function main(): Promise<void> {
  const program = await buildProgram(commandsFor(process.argv.slice(2)));
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code?.startsWith('commander.')) {
      // commander has printed usage or help already
      process.exitCode = e.exitCode ?? 2;
      return;
    }
    console.error(`threadline: ${e.message ?? String(err)}`);
    process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
  }
}

// Run as a program from the sources (cli/index.ts), the bin script, the npm bin link or the bundle (cli/build.ts)
const isMain = process.argv[1] && /cli[\\/]index\.ts$|threadline-cli\.js$|threadline$|threadline\.mjs$/.test(process.argv[1]);
if (isMain) await main();
