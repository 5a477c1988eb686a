/**
 * The shell examples of the docs, as data: fenced blocks tagged sh/bash/shell/console/zsh, each split
 * into commands (argv arrays) the way a POSIX shell would split them, for test/docs/commands.test.ts.
 *
 * Markers: an HTML comment on the last non-blank line before a block's opening fence,
 *   <!-- not-offline: needs an AWS account -->
 * says that the block cannot run on a machine without AWS, Docker or network; the harness then lists it
 * as skipped with that reason instead of running it.
 */

export const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);
const MARKER = /^<!--\s*not-offline:\s*(.*?)\s*-->$/;

export interface ShellBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  body: string;
  /** The not-offline marker's reason, when the block has one. */
  notOffline?: string;
}

export interface ShellCommand {
  /** 1-based line in the file where the command starts. */
  line: number;
  argv: string[];
  /** The command as written (continuations joined), for messages. */
  text: string;
  /** Set when the command uses shell features the harness does not interpret (pipes, redirections, ...). */
  unsupported?: string;
}

export function extractBlocks(markdown: string, file: string): ShellBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(```+|~~~+)\s*([\w+-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trim().startsWith(fence)) end++;
    if (SHELL_LANGS.has(open[2]!.toLowerCase())) {
      let prev = i - 1;
      while (prev >= 0 && lines[prev]!.trim() === '') prev--;
      const marker = prev >= 0 ? MARKER.exec(lines[prev]!.trim()) : null;
      blocks.push({
        file,
        line: i + 1,
        body: lines.slice(i + 1, end).join('\n'),
        ...(marker ? { notOffline: marker[1] || 'no reason given' } : {}),
      });
    }
    i = end;
  }
  return blocks;
}

/**
 * Splits a block into commands: newlines and `;`/`&&` separate commands, `\` + newline continues one,
 * quotes (single, double) group words and may span lines, `#` at the start of a word starts a comment,
 * a leading `$ ` prompt is dropped. Pipes, redirections, `||`, `&`, `$(...)` and variables mark the
 * command unsupported (the harness runs argv arrays, not a shell).
 */
export function splitCommands(body: string, firstLine = 1): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let argv: string[] = [];
  let word: string | null = null;
  let text = '';
  let unsupported: string | undefined;
  let line = firstLine;
  let startLine = firstLine;
  let atLineStart = true;

  const endWord = () => {
    if (word !== null) argv.push(word);
    word = null;
  };
  const endCommand = () => {
    endWord();
    if (argv.length > 0) {
      commands.push({ line: startLine, argv, text: text.trim().replace(/\s+/g, ' '), ...(unsupported ? { unsupported } : {}) });
    }
    argv = [];
    text = '';
    unsupported = undefined;
  };

  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (argv.length === 0 && word === null && c !== '\n' && !/\s/.test(c)) startLine = line;
    if (atLineStart && argv.length === 0 && word === null && c === '$' && body[i + 1] === ' ') {
      i++;
      continue;
    }
    atLineStart = false;
    if (c === '\\' && body[i + 1] === '\n') {
      i++;
      line++;
      continue;
    }
    if (c === '\n') {
      endCommand();
      line++;
      atLineStart = true;
      continue;
    }
    if (/\s/.test(c)) {
      endWord();
      text += ' ';
      continue;
    }
    if (c === '#' && word === null) {
      while (i + 1 < body.length && body[i + 1] !== '\n') i++;
      continue;
    }
    text += c;
    if (c === "'") {
      const close = body.indexOf("'", i + 1);
      const end = close === -1 ? body.length : close;
      const chunk = body.slice(i + 1, end);
      word = (word ?? '') + chunk;
      text += `${chunk}'`;
      line += chunk.split('\n').length - 1;
      i = end;
      continue;
    }
    if (c === '"') {
      let s = '';
      let j = i + 1;
      for (; j < body.length && body[j] !== '"'; j++) {
        if (body[j] === '\\' && /["\\$`]/.test(body[j + 1] ?? '')) s += body[++j];
        else if (body[j] === '\\' && body[j + 1] === '\n') j++;
        else {
          if (body[j] === '$' || body[j] === '`') unsupported ??= 'variables or command substitution';
          if (body[j] === '\n') line++;
          s += body[j];
        }
      }
      word = (word ?? '') + s;
      text += `${s}"`;
      i = j;
      continue;
    }
    if (c === ';') {
      endCommand();
      continue;
    }
    if (c === '&' && body[i + 1] === '&') {
      i++;
      endCommand();
      continue;
    }
    const placeholder = c === '<' ? /^<[^<>\n]+>/.exec(body.slice(i)) : null;
    if (placeholder) {
      unsupported ??= `placeholder ${placeholder[0]}`;
      word = (word ?? '') + placeholder[0];
      text += placeholder[0].slice(1);
      i += placeholder[0].length - 1;
      continue;
    }
    if (c === '|' || c === '>' || c === '<' || c === '&' || c === '`') unsupported ??= `shell operator ${c}`;
    if (c === '$') unsupported ??= 'variables or command substitution';
    if (c === '\\' && i + 1 < body.length) {
      word = (word ?? '') + body[++i];
      continue;
    }
    word = (word ?? '') + c;
  }
  endCommand();
  return commands;
}
