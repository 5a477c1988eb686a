/**
 * The import rules of the repository (README, "Architecture"). test/architecture/imports.test.ts runs
 * them over the tree and fails on any violation.
 *
 * Layers, each importing only from the ones before it:
 *   schemas  <-  domain  <-  sql  <-  query            the contract, pure logic, SQL, query engines
 *   lambdas  (schemas, domain, sql)                    Lambda handlers and AWS client adapters
 *   local    (+ lambdas, query)                        the offline runtime and its stand-ins
 *   lib      (schemas, sql, lambdas)                   the CDK app
 *   cost     (+ lib)                                   the cost model over the synthesized stack
 *   demo     (+ local, query)                          generator, demo run and report
 *   cli      (+ demo, cost, local, lambdas)            the threadline command
 *   bin      (lib, cli, lambdas)                       the CDK app and CLI entry points
 *   bench, test                                        may import any layer; nothing imports them
 */
const TOP = ['schemas', 'domain', 'sql', 'query', 'lambdas', 'local', 'lib', 'cost', 'demo', 'cli', 'bench', 'bin', 'test'];
const ALLOWED = {
  schemas: [],
  domain: ['schemas'],
  sql: ['schemas', 'domain'],
  query: ['schemas', 'domain', 'sql', 'lambdas'],
  lambdas: ['schemas', 'domain', 'sql'],
  local: ['schemas', 'domain', 'sql', 'query', 'lambdas'],
  lib: ['schemas', 'domain', 'sql', 'lambdas'],
  cost: ['schemas', 'lib', 'lambdas'],
  demo: ['schemas', 'domain', 'sql', 'query', 'lambdas', 'local'],
  cli: ['schemas', 'domain', 'sql', 'query', 'lambdas', 'local', 'lib', 'cost', 'demo'],
  bench: TOP.filter((t) => !['test', 'bin'].includes(t)),
  bin: ['lib', 'cli', 'lambdas'],
};

const layerRules = Object.entries(ALLOWED).map(([from, to]) => ({
  name: `layer-${from}`,
  comment: `${from}/ may import only from ${to.length ? to.join(', ') : 'nothing else in the project'}`,
  severity: 'error',
  from: { path: `^${from}/` },
  to: { path: `^(${TOP.filter((t) => t !== from && !to.includes(t)).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'No file imports itself through others.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'entry-points-only',
      comment: 'Across top-level folders, import a folder through its index.ts (tests may reach inside).',
      severity: 'error',
      from: { path: '^(schemas|domain|sql|query|lambdas|local|lib|cost|demo|cli|bench|bin)/' },
      to: {
        path: '^(schemas|domain|sql|query|lambdas|local|lib|cost|demo|cli)/',
        pathNot: ['^(schemas|domain|sql|query|lambdas|local|lib|cost|demo|cli)/index\\.ts$', '^$1/'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|dist|\\.threadline)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
