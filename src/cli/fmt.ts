// `llm-policy fmt [--check] <paths...>`: canonical formatting of policy files.
//
// Keys in the schema's order; every expression (`target`, `let` values, `when`) printed by
// the language's printer (src/lang/print.ts): one line when it fits in 80 columns, otherwise
// a `|-` block broken at `&&`, `||`, `?:` and brackets. Comments are kept (the yaml Document
// API carries them with their nodes); expressions that contain `//` comments are left as
// written. Idempotent: formatting formatted text changes nothing.

import { writeFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, parseAllDocuments, Scalar, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { SourceText, type Issue } from '../lang/errors.js';
import { tokenize } from '../lang/lexer.js';
import { ParseError } from '../lang/parse-error.js';
import { parse } from '../lang/parser.js';
import { print, printPretty } from '../lang/print.js';
import { parsePolicyText } from '../policy/parse.js';
import type { ExprSource } from '../policy/types.js';
import { errorJson, reportError, usage, type Command, expandOptions } from './command.js';
import { CliError, EXIT, display, expandPaths, readText, type Colors } from './io.js';

const ORDER: Record<string, string[]> = {
  document: ['$schema', 'apiVersion', 'kind', 'metadata', 'spec'],
  metadata: ['name', 'namespace', 'version', 'description', 'labels'],
  spec: ['extends', 'imports', 'target', 'combining', 'default', 'mode', 'onError', 'let', 'conditions', 'rules'],
  rule: ['id', 'description', 'when', 'effect', 'message', 'obligations', 'priority', 'labels'],
};

export interface FormatOptions {
  /** Page width for expressions. Default 80. */
  width?: number;
}

/** Whether the expression text holds a `//` comment (anything between its tokens). */
function hasComment(text: string): boolean {
  let prev = 0;
  for (const t of tokenize(text)) {
    if (/\S/.test(text.slice(prev, t.pos))) return true;
    prev = t.end;
  }
  return false;
}

/** Syntax errors of the policy's expressions, at their file positions. */
function syntaxIssues(text: string, file: string): Issue[] {
  const { policies, issues } = parsePolicyText(text, file);
  if (issues.length) return issues;
  const src = new SourceText(text);
  const out: Issue[] = [];
  const check = (es: ExprSource | undefined) => {
    if (!es) return;
    try {
      parse(es.text);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      const offset = es.offsets[Math.min(e.pos, es.offsets.length - 1)] ?? 0;
      out.push({ code: e.code, message: e.message, file, offset, length: 1, ...src.position(offset) });
    }
  };
  for (const p of policies) {
    check(p.target);
    for (const l of p.lets) check(l.expr);
    for (const r of p.rules) check(r.when);
  }
  return out;
}

/** The canonical text of a policy file. Throws a CliError when the file has problems. */
export function formatPolicyText(text: string, file: string, options: FormatOptions = {}): string {
  const width = options.width ?? 80;
  const issues = syntaxIssues(text, file);
  if (issues.length) {
    throw new CliError(
      `${issues.length} error${issues.length === 1 ? '' : 's'} in \`${file}\`: fix ${issues.length === 1 ? 'it' : 'them'} before formatting`,
      issues,
      new Map([[file, text]]),
    );
  }
  const crlf = text.includes('\r\n');
  const trimmed = text.trimStart();
  const out = trimmed.startsWith('{') && /\.json$/i.test(file) ? formatJson(text, width) : formatYaml(text, width);
  return crlf ? out.replace(/\r?\n/g, '\r\n') : out;
}

/** An expression's canonical text for a value starting at `column` (0-based), lines indented by `indent`. */
function canonical(source: string, column: number, indent: number, width: number, block: boolean): string {
  if (hasComment(source)) return source;
  const ast = parse(source);
  const one = print(ast);
  if (!block || column + one.length <= width) return one;
  const pretty = printPretty(ast, { width: Math.max(20, width - indent) });
  return pretty;
}

function rank(order: string[], key: unknown): number {
  const i = order.indexOf(String(key));
  return i < 0 ? order.length : i;
}

function sortMap(map: YAMLMap, order: string[]): void {
  const items = map.items as Pair[];
  const sorted = items
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        rank(order, isScalar(a.p.key) ? a.p.key.value : a.p.key) - rank(order, isScalar(b.p.key) ? b.p.key.value : b.p.key) || a.i - b.i,
    )
    .map((x) => x.p);
  map.items = sorted;
}

function get(map: Node | null | undefined, key: string): Node | undefined {
  if (!map || !isMap(map)) return undefined;
  const p = map.items.find((x) => isScalar(x.key) && x.key.value === key);
  return (p?.value as Node | null | undefined) ?? undefined;
}

function formatYaml(text: string, width: number): string {
  const docs = parseAllDocuments(text, {
    version: '1.2',
    schema: 'core',
    strict: true,
    uniqueKeys: true,
    logLevel: 'silent',
  }) as Document.Parsed[];
  const parts: string[] = [];
  for (const doc of docs) {
    const root = doc.contents as Node | null;
    if (root && isMap(root)) {
      // a comment above the first key heads the document: it stays on top whatever key comes first
      const firstKey = root.items[0]?.key as Node | undefined;
      const header = firstKey && isScalar(firstKey) ? firstKey.commentBefore : undefined;
      if (header !== undefined && isScalar(firstKey)) firstKey.commentBefore = undefined;
      sortMap(root, ORDER.document!);
      const newFirst = root.items[0]?.key as Node | undefined;
      if (header !== undefined && newFirst && isScalar(newFirst))
        newFirst.commentBefore = newFirst.commentBefore ? `${header}\n${newFirst.commentBefore}` : header;
      const md = get(root, 'metadata');
      if (md && isMap(md)) sortMap(md, ORDER.metadata!);
      const spec = get(root, 'spec');
      if (spec && isMap(spec)) {
        sortMap(spec, ORDER.spec!);
        const blockSpec = !spec.flow;
        rewrite(spec, 'target', 2, blockSpec, width);
        for (const section of ['let', 'conditions']) {
          const lets = get(spec, section);
          if (lets && isMap(lets)) {
            for (const p of lets.items) {
              if (isScalar(p.key)) rewrite(lets, String(p.key.value), 4, blockSpec && !lets.flow, width);
            }
          }
        }
        const rules = get(spec, 'rules');
        if (rules && isSeq(rules)) {
          for (const r of rules.items) {
            if (!isMap(r)) continue;
            sortMap(r, ORDER.rule!);
            rewrite(r, 'when', 6, blockSpec && !rules.flow && !r.flow, width);
          }
        }
      }
    }
    parts.push(doc.toString({ lineWidth: 0, indent: 2, indentSeq: true, flowCollectionPadding: true }));
  }
  let out = parts.join('');
  if (!out.endsWith('\n')) out += '\n';
  return out;
}

/** Replaces the expression at map[key] by its canonical form (a string value only). */
function rewrite(map: YAMLMap, key: string, indent: number, block: boolean, width: number): void {
  const pair = map.items.find((x) => isScalar(x.key) && x.key.value === key);
  const node = pair?.value;
  if (!node || !isScalar(node) || typeof node.value !== 'string') return;
  const column = indent + key.length + 2;
  if (hasComment(node.value)) return;
  const next = canonical(node.value, column, indent + 2, width, block);
  node.value = next;
  // plain where YAML allows it (the stringifier quotes what must be quoted)
  node.type = next.includes('\n') ? Scalar.BLOCK_LITERAL : Scalar.PLAIN;
}

function formatJson(text: string, width: number): string {
  const data = JSON.parse(text) as Record<string, unknown>;
  const ordered = (o: unknown, order: string[]): unknown => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return o;
    const keys = Object.keys(o)
      .map((k, i) => ({ k, i }))
      .sort((a, b) => rank(order, a.k) - rank(order, b.k) || a.i - b.i);
    const out: Record<string, unknown> = {};
    for (const { k } of keys) out[k] = (o as Record<string, unknown>)[k];
    return out;
  };
  const expr = (v: unknown) => (typeof v === 'string' ? canonical(v, 0, 0, width, false) : v);
  const root = ordered(data, ORDER.document!) as Record<string, unknown>;
  if (root.metadata) root.metadata = ordered(root.metadata, ORDER.metadata!);
  if (root.spec && typeof root.spec === 'object') {
    const spec = ordered(root.spec, ORDER.spec!) as Record<string, unknown>;
    if ('target' in spec) spec.target = expr(spec.target);
    for (const section of ['let', 'conditions']) {
      if (!spec[section] || typeof spec[section] !== 'object') continue;
      const lets = spec[section] as Record<string, unknown>;
      for (const k of Object.keys(lets)) lets[k] = expr(lets[k]);
    }
    if (Array.isArray(spec.rules)) {
      spec.rules = spec.rules.map((r) => {
        const rule = ordered(r, ORDER.rule!) as Record<string, unknown>;
        if (rule && 'when' in rule) rule.when = expr(rule.when);
        return rule;
      });
    }
    root.spec = spec;
  }
  return `${JSON.stringify(root, null, 2)}\n`;
}

/** A unified diff of two texts (three lines of context), for `fmt --diff`. */
export function lineDiff(a: string, b: string, name: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  // LCS table (policy files are small)
  const n = x.length;
  const m = y.length;
  const L: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) L[i]![j] = x[i] === y[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  const ops: { t: ' ' | '-' | '+'; s: string; i: number; j: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) ops.push({ t: ' ', s: x[i]!, i: i++, j: j++ });
    else if (i < n && (j >= m || L[i + 1]![j]! >= L[i]![j + 1]!)) ops.push({ t: '-', s: x[i]!, i: i++, j });
    else ops.push({ t: '+', s: y[j]!, i, j: j++ });
  }
  const out = [`--- ${name}`, `+++ ${name} (formatted)`];
  const C = 3;
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.t === ' ') {
      k++;
      continue;
    }
    let start = Math.max(0, k - C);
    let end = k;
    // extend the hunk while changes are within 2*C lines of each other
    while (end < ops.length) {
      let e = end;
      while (e < ops.length && ops[e]!.t !== ' ') e++;
      let s2 = e;
      while (s2 < ops.length && ops[s2]!.t === ' ' && s2 - e < 2 * C) s2++;
      if (s2 < ops.length && ops[s2]!.t !== ' ') end = s2;
      else {
        end = Math.min(ops.length, e + C);
        break;
      }
    }
    const hunk = ops.slice(start, end);
    const a0 = hunk[0]!.i + 1;
    const b0 = hunk[0]!.j + 1;
    out.push(`@@ -${a0},${hunk.filter((o) => o.t !== '+').length} +${b0},${hunk.filter((o) => o.t !== '-').length} @@`);
    for (const o of hunk) out.push(`${o.t}${o.s}`);
    k = end;
    start = end;
  }
  return out.join('\n');
}

export const fmtCommand: Command = {
  name: 'fmt',
  summary: 'format policy files canonically (or, with --check, report files that are not)',
  help: `Usage: llm-policy fmt [--check] <paths...>

Rewrites policy files (a directory is searched for .yaml, .yml and .json files with
\`kind: Policy\` or \`Library\`) in canonical form: keys in the schema's order (apiVersion, kind, metadata,
spec; id, description, when, effect, message, ... in rules), and every expression (\`target\`,
\`let\` values, \`when\`) printed by the expression printer: one space around operators, no
parentheses the grammar does not need, one line when it fits in 80 columns, otherwise a \`|-\`
block broken after \`&&\` and \`||\`, before \`?\` and \`:\`, and inside brackets. Comments are
kept; an expression holding a \`//\` comment is left as written. Formatting is idempotent.

Options:
  --check                do not write; list the files that would change and exit 1 if any
  --diff                 do not write; print what would change as a unified diff
  --width <n>            page width for expressions (default 80)
  --format <text|json>   output format (default text)
  -h, --help             show this help

Exit status: 0 when done (with --check or --diff: when every file is already formatted), 1
when --check or --diff finds a file that would change, 2 when a file cannot be read or parsed.

Examples:
  llm-policy fmt policies
  llm-policy fmt --check policies
  llm-policy fmt --diff policies/cost-control.yaml`,
  options: {
    check: { type: 'boolean' },
    diff: { type: 'boolean' },
    width: { type: 'string' },
  },
  async run(io, values, positionals) {
    const json = values.format === 'json';
    const diff = values.diff === true;
    const check = values.check === true || diff;
    try {
      if (positionals.length === 0) throw usage('no policy files given', fmtCommand);
      let width = 80;
      if (values.width !== undefined) {
        width = Number(values.width);
        if (!Number.isInteger(width) || width < 20)
          throw usage(`\`--width\` must be an integer of at least 20, got \`${String(values.width)}\``, fmtCommand);
      }
      const files = expandPaths(positionals, 'policy', undefined, expandOptions(io, values));
      const results: { file: string; changed: boolean; error?: CliError }[] = [];
      for (const path of files) {
        const file = display(path);
        try {
          const text = readText(path);
          const out = formatPolicyText(text, file, { width });
          const changed = out !== text;
          if (changed && !check) writeFileSync(path, out);
          results.push({ file, changed });
          if (changed && diff && !json) io.out(paintDiff(lineDiff(text, out, file), io.c));
        } catch (e) {
          if (!(e instanceof CliError)) throw e;
          results.push({ file, changed: false, error: e });
        }
      }
      const errors = results.filter((r) => r.error);
      const changed = results.filter((r) => r.changed);
      if (json) {
        io.out(
          JSON.stringify(
            {
              ok: errors.length === 0 && !(check && changed.length),
              check,
              files: results.map((r) => ({ file: r.file, changed: r.changed, ...(r.error ? { issues: errorJson(r.error).issues } : {}) })),
            },
            null,
            2,
          ),
        );
      } else {
        for (const r of errors) reportError(io, r.error!);
        for (const r of changed) io.out(check ? `${io.c.yellow('would reformat')} ${r.file}` : `formatted ${r.file}`);
        const same = results.length - changed.length - errors.length;
        const summary = check
          ? `${changed.length} file${changed.length === 1 ? '' : 's'} would be reformatted, ${same} already formatted`
          : `${changed.length} file${changed.length === 1 ? '' : 's'} reformatted, ${same} unchanged`;
        io.out(errors.length ? `${summary}, ${errors.length} with errors` : summary);
      }
      if (errors.length) return EXIT.error;
      return check && changed.length ? EXIT.failed : EXIT.ok;
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      if (json) io.out(JSON.stringify(errorJson(e), null, 2));
      else reportError(io, e);
      return EXIT.error;
    }
  },
};

function paintDiff(d: string, c: Colors): string {
  if (!c.enabled) return d;
  return d
    .split('\n')
    .map((l) => (l.startsWith('@@') ? c.cyan(l) : l.startsWith('+') ? c.green(l) : l.startsWith('-') ? c.red(l) : l))
    .join('\n');
}
