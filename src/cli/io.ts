// Files, paths, colours and errors shared by the commands.
/// <reference types="node" />

import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { formatIssue, SourceText, type Issue } from '../lang/errors.js';
import { printValue } from '../lang/print-value.js';
import { CelDuration, CelTimestamp, CelType, CelUint } from '../lang/values.js';

/** Exit codes: 0 ok, 1 policy failures (a failing case, a file fmt would change), 2 usage or load errors. */
export const EXIT = { ok: 0, failed: 1, error: 2 } as const;

/** A problem with the command line or the files it names: exit 2 with these messages. */
export class CliError extends Error {
  constructor(
    message: string,
    /** Issues with file positions (already counted in the message when there are any). */
    readonly issues: CliIssue[] = [],
    /** Source texts by file, to print the offending lines. */
    readonly sources: Map<string | undefined, string> = new Map(),
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** An issue as printed by the CLI: a policy issue, or one of the CLI's own (`usage`, `file`, `input`, `test_file`). */
export interface CliIssue {
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  offset?: number;
  length?: number;
  hint?: string;
}

export function formatCliIssue(issue: CliIssue, text?: string): string {
  return formatIssue(issue as Issue, text);
}

// ------------------------------------------------------------------ colour

export interface Colors {
  enabled: boolean;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/** Colour only on a TTY; NO_COLOR (any value) turns it off, FORCE_COLOR (not 0) on. */
export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Colors {
  let on = stream.isTTY === true && env.TERM !== 'dumb';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') on = false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0')
    on = env.NO_COLOR === undefined || env.NO_COLOR === '';
  const wrap = (a: number, b: number) => (s: string) => (on ? `\u001b[${a}m${s}\u001b[${b}m` : s);
  return {
    enabled: on,
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}

/** Colours the `error[code]` / `hint:` parts of formatted issues. */
export function paintIssues(text: string, c: Colors): string {
  if (!c.enabled) return text;
  return text
    .replace(/: (error\[[a-z_]+\]):/g, (_m, e: string) => `: ${c.red(c.bold(e))}:`)
    .replace(/^(\s*\|\s*)(\^+)$/gm, (_m, a: string, carets: string) => `${a}${c.red(carets)}`)
    .replace(/^( {2}hint:)/gm, (_m, h: string) => c.cyan(h));
}

// ------------------------------------------------------------------ files

/** The package's version, from the package.json next to dist/ (undefined when not running from the package). */
export function packageVersion(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'llm-policy-engine' && pkg.version) return pkg.version;
  } catch {
    // not running from the package
  }
  return undefined;
}

/** A path as shown to the user: relative to the working directory when inside it. */
export function display(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel === '' ? '.' : rel.startsWith('..') ? resolve(path) : rel;
}

function reason(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return (e instanceof Error ? e.message : String(e)).replace(/^[A-Z]+: /, '');
  }
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read \`${display(path)}\`: ${reason(e)}`, [
      { code: 'file', message: `cannot read \`${display(path)}\`: ${reason(e)}`, file: display(path) },
    ]);
  }
}

export function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read standard input: ${reason(e)}`, [{ code: 'file', message: `cannot read standard input: ${reason(e)}` }]);
  }
}

const DATA_EXT = new Set(['.yaml', '.yml', '.json']);
const POLICY_KIND = /^\s*["']?kind["']?\s*:\s*["']?(Policy|Library)["']?\s*,?\s*(#.*)?$/m;
const TEST_KIND = /^\s*["']?kind["']?\s*:\s*["']?PolicyTest["']?\s*,?\s*(#.*)?$/m;

export interface ExpandOptions {
  /** Read links that lead out of the directory given (`--follow-symlinks`). */
  followSymlinks?: boolean;
  /** Told of each link skipped because it leads out of the directory. */
  warn?: (message: string) => void;
}

/**
 * Data files under `dir`. A link is followed when its target lies inside `root` (the directory
 * the user named), or anywhere with `followSymlinks`; a directory is entered once by its real
 * path, so a link loop ends.
 */
function walk(dir: string, out: string[], root: string, options: ExpandOptions, visited: Set<string>): void {
  let real: string;
  let names: string[];
  try {
    real = realpathSync(dir);
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new CliError(`cannot read \`${display(dir)}\`: ${reason(e)}`, [
      { code: 'file', message: `cannot read \`${display(dir)}\`: ${reason(e)}`, file: display(dir) },
    ]);
  }
  if (visited.has(real)) return;
  visited.add(real);
  for (const n of names) {
    if (n.startsWith('.') || n === 'node_modules') continue;
    const p = join(dir, n);
    let st: Stats;
    try {
      st = statSync(p);
      if (lstatSync(p).isSymbolicLink() && !options.followSymlinks && !inside(root, realpathSync(p))) {
        options.warn?.(`skipped \`${display(p)}\`: a link to outside \`${display(root)}\` (pass --follow-symlinks to read it)`);
        continue;
      }
    } catch {
      continue; // a dangling link, or a file gone since the listing
    }
    if (st.isDirectory()) walk(p, out, root, options, visited);
    else if (DATA_EXT.has(extname(n).toLowerCase())) out.push(p);
  }
}

function inside(root: string, target: string): boolean {
  const r = relative(root, target);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * Files named by the arguments: files as given, directories searched (recursively) for
 * .yaml, .yml and .json files of the wanted kind (`kind: Policy` or `Library`, or `kind: PolicyTest`).
 */
export function expandPaths(paths: string[], kind: 'policy' | 'test', base = process.cwd(), options: ExpandOptions = {}): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = resolve(base, p);
    if (!existsSync(abs)) {
      const msg = `cannot read \`${display(abs)}\`: no such file or directory`;
      throw new CliError(msg, [{ code: 'file', message: msg, file: display(abs) }]);
    }
    if (statSync(abs).isDirectory()) {
      const found: string[] = [];
      walk(abs, found, realpathSync(abs), options, new Set());
      const re = kind === 'policy' ? POLICY_KIND : TEST_KIND;
      const matching = found.filter((f) => {
        try {
          return re.test(readFileSync(f, 'utf8'));
        } catch {
          return false;
        }
      });
      if (matching.length === 0) {
        const msg = `no ${kind === 'policy' ? 'policy' : 'test'} files in \`${display(abs)}\``;
        throw new CliError(msg, [
          {
            code: 'file',
            message: msg,
            file: display(abs),
            hint:
              kind === 'policy'
                ? 'policy files are .yaml, .yml or .json files with `kind: Policy` (or `kind: Library`)'
                : 'test files are .yaml, .yml or .json files with `kind: PolicyTest`',
          },
        ]);
      }
      for (const f of matching) {
        if (seen.has(f)) continue;
        seen.add(f);
        out.push(f);
      }
    } else if (!seen.has(abs)) {
      seen.add(abs);
      out.push(abs);
    }
  }
  return out;
}

// ------------------------------------------------------------------ data files (inputs, fixtures)

/** Parses a JSON or YAML data file; problems are reported with file, line, column and caret. */
export function parseData(text: string, file: string): unknown {
  if (/\.json$/i.test(file) || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      // JSON.parse says where (Node 20: "... at position 25"); YAML, a superset, may still read it
      const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
      const at = /at position (\d+)/.exec(msg);
      if (/\.json$/i.test(file) || at) {
        const offset = at ? Math.min(Number(at[1]), text.length) : 0;
        const message = `invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '').replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase())}`;
        throw new CliError(
          `cannot parse \`${file}\``,
          [{ code: 'input', message, file, ...new SourceText(text).position(offset), offset, length: 1 }],
          new Map([[file, text]]),
        );
      }
    }
  }
  const doc = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
    logLevel: 'silent',
    merge: true,
  });
  const errors = [...doc.errors, ...doc.warnings];
  if (errors.length > 0) {
    const src = new SourceText(text);
    const issues: CliIssue[] = errors.slice(0, 5).map((e) => ({
      code: 'input',
      message: dataMessage(e.message),
      file,
      ...src.position(e.pos[0]),
      offset: e.pos[0],
      length: Math.max(1, e.pos[1] - e.pos[0]),
    }));
    throw new CliError(`cannot parse \`${file}\``, issues, new Map([[file, text]]));
  }
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    const msg = `cannot parse \`${file}\`: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
    throw new CliError(msg, [{ code: 'input', message: msg, file }]);
  }
}

function dataMessage(m: string): string {
  let msg = m.split('\n')[0]!.trim().replace(/\.$/, '');
  if (/^[A-Z](?![A-Z])/.test(msg)) msg = msg[0]!.toLowerCase() + msg.slice(1);
  return msg;
}

/** A YAML node by path (keys and list indexes), for positions. */
export function nodeAt(doc: Document, path: (string | number)[]): Node | undefined {
  let node = doc.contents as Node | null | undefined;
  for (const seg of path) {
    if (!node) return undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      node = (pair?.value as Node | null | undefined) ?? undefined;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)] as Node | undefined;
    } else return undefined;
  }
  return node ?? undefined;
}

/** The key node naming path's last segment. */
export function keyAt(doc: Document, path: (string | number)[]): Node | undefined {
  const parent = nodeAt(doc, path.slice(0, -1));
  if (!parent || !isMap(parent)) return undefined;
  const last = path[path.length - 1];
  return (parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last))?.key as Node | undefined) ?? undefined;
}

// ------------------------------------------------------------------ JSON output

/**
 * JSON for values a trace may hold: ints (bigint) as numbers when exact, else strings; maps as
 * objects; timestamps, durations, uints, bytes and types as their CEL literal text.
 */
export function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : String(v);
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [typeof k === 'string' ? k : printValue(k), x]));
  if (v instanceof CelTimestamp || v instanceof CelDuration || v instanceof CelUint || v instanceof CelType || v instanceof Uint8Array)
    return printValue(v);
  return v;
}
