import { Command } from 'commander';
import { register } from '/work/main/cli/commands/cost.ts';
const p = new Command('threadline'); register(p);
await p.parseAsync(process.argv);
