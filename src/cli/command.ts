// What every command gets, and argument parsing on node:util's parseArgs.
/// <reference types="node" />

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, colorsFor, formatCliIssue, paintIssues, type CliIssue, type Colors } from './io.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Colours for stdout and stderr (each only on a TTY). */
  c: Colors;
  ce: Colors;
  /** Whether stderr is a terminal (progress indicators). */
  errTTY: boolean;
  /** Rewrites the current stderr line (progress); no-op off a TTY. */
  progress(text: string | undefined): void;
}

export function processIo(): Io {
  let progressShown = false;
  const errTTY = process.stderr.isTTY === true;
  const clear = () => {
    if (progressShown) {
      process.stderr.write('\r\u001b[2K');
      progressShown = false;
    }
  };
  return {
    out: (t) => {
      clear();
      process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
    },
    err: (t) => {
      clear();
      process.stderr.write(t.endsWith('\n') ? t : `${t}\n`);
    },
    c: colorsFor(process.stdout),
    ce: colorsFor(process.stderr),
    errTTY,
    progress: (t) => {
      if (!errTTY) return;
      if (t === undefined) return clear();
      process.stderr.write(`\r\u001b[2K${t}`);
      progressShown = true;
    },
  };
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  name: string;
  summary: string;
  help: string;
  options: Options;
  run(io: Io, values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

/** Options every command takes. */
export const COMMON: Options = {
  help: { type: 'boolean', short: 'h' },
  format: { type: 'string' },
  'follow-symlinks': { type: 'boolean' },
};

/** How commands expand directory arguments: links out of the directory are skipped, with a warning. */
export function expandOptions(io: Io, values: Record<string, unknown>): { followSymlinks: boolean; warn: (m: string) => void } {
  return { followSymlinks: values['follow-symlinks'] === true, warn: (m) => io.err(`warning: ${m}`) };
}

export const ENGINE_OPTIONS: Options = {
  'input-schema': { type: 'string' },
  functions: { type: 'string' },
};

export const ENGINE_HELP = `  --input-schema <file>  JSON Schema of the input: variables and fields it does not list are errors
  --functions <module>   JavaScript module exporting \`functions\`: custom function declarations`;

export function parse(cmd: Command, argv: string[]): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...COMMON, ...cmd.options }, allowPositionals: true, strict: true });
    const values = r.values as Record<string, unknown>;
    if (values.format !== undefined && values.format !== 'text' && values.format !== 'json') {
      throw usage(`\`--format\` must be \`text\` or \`json\`, got \`${String(values.format)}\``, cmd);
    }
    return { values, positionals: r.positionals };
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw usage(argsMessage(e as Error & { code?: string }), cmd);
  }
}

export function usage(message: string, cmd?: Command): CliError {
  const hint = cmd ? `run \`llm-policy ${cmd.name} --help\` for usage` : 'run `llm-policy --help` for usage';
  return new CliError(message, [{ code: 'usage', message, hint }]);
}

function argsMessage(e: Error & { code?: string }): string {
  const m = e.message;
  let x: RegExpExecArray | null;
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && (x = /Unknown option '([^']+)'/.exec(m))) return `unknown option \`${x[1]}\``;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && (x = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(m)))
    return `option \`${x[1]}\` needs a value`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && (x = /Option '(?:-\w, )?(--[\w-]+)[^']*' does not take an argument/.exec(m)))
    return `option \`${x[1]}\` takes no value`;
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument: ${m}`;
  return m
    .split('\n')[0]!
    .replace(/\.$/, '')
    .replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase());
}

/** Prints a CliError: every issue with its position, source line and caret, to stderr. */
export function reportError(io: Io, e: CliError): void {
  if (e.issues.length === 0) {
    io.err(`${io.ce.red('error')}: ${e.message}`);
    return;
  }
  const text = e.issues.map((i) => formatIssueLine(i, e.sources)).join('\n\n');
  io.err(paintIssues(text, io.ce));
}

function formatIssueLine(i: CliIssue, sources: Map<string | undefined, string>): string {
  if (i.line === undefined && i.file === undefined) return `error[${i.code}]: ${i.message}${i.hint ? `\n  hint: ${i.hint}` : ''}`;
  return formatCliIssue(i, sources.get(i.file));
}

/** JSON form of a CliError for `--format json`. */
export function errorJson(e: CliError): { ok: false; issues: CliIssue[] } {
  return {
    ok: false,
    issues: e.issues.length ? e.issues.map(({ offset: _o, length: _l, ...rest }) => rest) : [{ code: 'error', message: e.message }],
  };
}
