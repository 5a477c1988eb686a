/** The docs harness's reading of shell blocks: which blocks, which markers, and shell word splitting. */
import { describe, expect, it } from 'vitest';
import { extractBlocks, splitCommands } from './shell-blocks.js';

describe('extractBlocks', () => {
  it('keeps shell-tagged blocks with their line and not-offline marker, ignores others', () => {
    const md = [
      '# T', //                                  1
      '```sh', //                                2
      'npm run demo', //                         3
      '```', //                                  4
      '<!-- not-offline: needs an AWS account -->', // 5
      '', //                                     6
      '```bash', //                              7
      'npx cdk deploy', //                       8
      '```', //                                  9
      '```ts', //                                10
      'const x = 1;', //                         11
      '```', //                                  12
      '```', //                                  13
      'output, not a command', //                14
      '```', //                                  15
    ].join('\n');
    expect(extractBlocks(md, 'x.md')).toEqual([
      { file: 'x.md', line: 2, body: 'npm run demo' },
      { file: 'x.md', line: 7, body: 'npx cdk deploy', notOffline: 'needs an AWS account' },
    ]);
  });
});

describe('splitCommands', () => {
  it('splits like a shell: quotes, comments, continuations, separators, prompts', () => {
    const body = [
      'npm start                 # = npx threadline local',
      "curl -u key: -H 'content-type: application/json' \\",
      `  -d '{"a":1,`,
      `       "b":"x y"}' \\`,
      '  http://127.0.0.1:8787/v1/track',
      '$ threadline query "SELECT \\"q\\" FROM t" --format csv; npm test && npm run lint',
    ].join('\n');
    expect(splitCommands(body, 10).map((c) => [c.line, c.argv, c.unsupported])).toEqual([
      [10, ['npm', 'start'], undefined],
      [
        11,
        [
          'curl',
          '-u',
          'key:',
          '-H',
          'content-type: application/json',
          '-d',
          '{"a":1,\n       "b":"x y"}',
          'http://127.0.0.1:8787/v1/track',
        ],
        undefined,
      ],
      [15, ['threadline', 'query', 'SELECT "q" FROM t', '--format', 'csv'], undefined],
      [15, ['npm', 'test'], undefined],
      [15, ['npm', 'run', 'lint'], undefined],
    ]);
  });

  it('flags what the harness cannot run as argv: placeholders, pipes, redirections, variables', () => {
    const flags = (s: string) => splitCommands(s)[0]?.unsupported;
    expect(flags('threadline query x --database <GlueDatabase output>')).toBe('placeholder <GlueDatabase output>');
    expect(flags('threadline query x | head')).toBe('shell operator |');
    expect(flags('threadline report > out.html')).toBe('shell operator >');
    expect(flags('echo $HOME')).toBe('variables or command substitution');
    expect(flags('threadline query journeys')).toBeUndefined();
  });
});
