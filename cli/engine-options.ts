/**
 * The options every command that reads the views shares: where the lake is (DuckDB) or which Athena
 * workgroup and database to ask. They fill EngineOptions (engine.ts), read by openEngine().
 */
import type { Command } from 'commander';
import { DEFAULT_LAKE_DIR } from '../local/index.js';

export function withEngineOptions(
  cmd: Command,
  engineHelp = 'local (DuckDB over --lake) or athena',
  lakeHelp = 'lake folder for --engine local',
): Command {
  return cmd
    .option('--engine <engine>', engineHelp, 'local')
    .option('--lake <dir>', lakeHelp, DEFAULT_LAKE_DIR)
    .option('--workgroup <name>', 'Athena workgroup (env THREADLINE_ATHENA_WORKGROUP)')
    .option('--database <name>', 'Athena/Glue database (env THREADLINE_ATHENA_DATABASE)')
    .option('--output-location <s3>', 'Athena results location, when the workgroup does not enforce one')
    .option('--region <region>', 'AWS region for Athena');
}
