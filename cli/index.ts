/**
 * The `threadline` command. Each sub-command lives in cli/commands/<name>.ts and exports
 * `register(program: Command): void`; this file only wires them together.
 */
import { Command } from 'commander';

// The pinned AWS SDK runs on Node 20 (README: Limits). Its notice that later releases need Node 22
// would otherwise interleave with every command's output; set the variable to 'false' to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const COMMAND_MODULES = [
  'local', // embedded pipeline on loopback
  'demo', // generated omnichannel data through the local pipeline + report
  'send', // NDJSON file to any endpoint
  'query', // a view or SQL on DuckDB or Athena
  'funnel', // funnel builder
  'report', // HTML report from the lake
  'attribution', // rule-based and data-driven attribution
  'keys', // write keys: add | list | revoke
  'replay-dead-letters', // re-put the processor's dead-lettered stream batches
  'cost', // cost model per million events
] as const;

export async function buildProgram(): Promise<Command> {
  const program = new Command('threadline')
    .description('Omnichannel customer telemetry: collect, stitch, land and query journeys.')
    .showHelpAfterError()
    .exitOverride((err) => {
      process.exitCode = err.exitCode;
      throw err;
    });
  for (const name of COMMAND_MODULES) {
    const mod = (await import(`./commands/${name}.ts`)) as { register: (p: Command) => void };
    mod.register(program);
  }
  return program;
}

async function main(): Promise<void> {
  const program = await buildProgram();
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

const isMain = process.argv[1] && /cli[\\/]index\.ts$|threadline-cli\.js$|threadline$/.test(process.argv[1]);
if (isMain) await main();
