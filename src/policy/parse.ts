// parsePolicyText: YAML/JSON text -> RawPolicy[] with exact source positions, plus every problem
// found, reported together. A document with any problem yields no policy.
//
// Runtime-neutral: no node:* imports, no eval (the schema validator is ajv standalone code).

import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  type Alias,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { SourceText, type Issue, type IssueCode } from '../lang/errors.js';
import { validate } from './validator.generated.js';
import { literalSource, stringSource } from './scalar.js';
import { schemaProblems, type NodeLocator, type PathSeg, type Span } from './schema-issues.js';
import { parseTemplate } from './template.js';
import type { ExprSource, RawLet, RawPolicy, RawRef, RawRule } from './types.js';
import { meter } from '../util/meter.js';
import { table } from '../util/table.js';
import { isReservedName } from '../lang/parser.js';

/** Identifiers CEL reserves; they cannot name a `let`. */

/** Alias nodes one document may hold. */
export const MAX_ALIASES = 100;
/** Nodes one document may expand to once its aliases are resolved (billion-laughs documents). */
export const MAX_EXPANDED_NODES = 100_000;

type YamlDoc = Document.Parsed;

/** How policy files (and the CLI's test files) are read: YAML 1.2 core schema, strict, unique keys. */
export const YAML_OPTIONS = {
  version: '1.2',
  schema: 'core',
  prettyErrors: false,
  strict: true,
  uniqueKeys: true,
  logLevel: 'silent',
} as const;

/** Parses every document of a YAML or JSON text into raw policies. Never throws on bad input. */
export function parsePolicyText(text: string, filename?: string): { policies: RawPolicy[]; issues: Issue[] } {
  if (typeof text === 'string') meter.scanned += text.length;
  const source = new SourceText(text);
  const issues: Issue[] = [];
  const policies: RawPolicy[] = [];
  const issue = (code: IssueCode, message: string, span: Span, hint?: string): Issue => {
    const { line, column } = source.position(span.offset);
    const out: Issue = { code, message };
    if (filename !== undefined) out.file = filename;
    out.line = line;
    out.column = column;
    out.offset = span.offset;
    out.length = Math.max(0, span.length);
    if (hint !== undefined && hint !== '') out.hint = hint;
    return out;
  };

  const lineOf = (offset: number): number => source.position(offset).line;

  let docs: YamlDoc[];
  try {
    docs = Array.from(parseAllDocuments(text, YAML_OPTIONS) as Iterable<YamlDoc>);
  } catch (e) {
    // The yaml package can exhaust the stack on absurdly nested input.
    issues.push(issue('yaml_syntax', `cannot parse the document: ${errorText(e)}`, { offset: 0, length: 1 }));
    return { policies, issues };
  }

  const seenPolicies = new Map<string, number>();
  docs.forEach((doc, docIndex) => {
    const start = issues.length;
    let policy: RawPolicy | undefined;
    try {
      policy = loadDocument(doc, docIndex, text, filename, issues, issue, lineOf);
    } catch (e) {
      // Defensive: e.g. a stack overflow on absurdly nested data.
      const at = (doc.contents as Node | null)?.range?.[0] ?? doc.range[0];
      issues.push(issue('yaml_syntax', `cannot read the document: ${errorText(e)}`, { offset: at, length: 1 }));
      return;
    }
    if (policy === undefined || issues.length > start) return;
    const key = `${policy.namespace}/${policy.name}`;
    const first = seenPolicies.get(key);
    if (first !== undefined) {
      const nameNode = nodeAt(doc, ['metadata', 'name']);
      issues.push(
        issue(
          'duplicate_policy',
          `duplicate policy ${code(policy.name)} in namespace ${code(policy.namespace)}`,
          spanOf(nameNode) ?? { offset: policy.offset, length: 1 },
          `first defined at line ${lineOf(first)}; a name must be unique within its namespace`,
        ),
      );
      return;
    }
    seenPolicies.set(key, (nameSpan(doc) ?? { offset: policy.offset }).offset);
    policies.push(policy);
  });
  return { policies, issues };
}

function nameSpan(doc: YamlDoc): Span | undefined {
  return spanOf(nodeAt(doc, ['metadata', 'name']));
}

const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return lowerFirst(m.split('\n')[0]!.replace(/\.$/, ''));
}

function lowerFirst(s: string): string {
  return /^[A-Z](?![A-Z])/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}

type MakeIssue = (code: IssueCode, message: string, span: Span, hint?: string) => Issue;

function loadDocument(
  doc: YamlDoc,
  docIndex: number,
  text: string,
  file: string | undefined,
  issues: Issue[],
  issue: MakeIssue,
  lineOf: (offset: number) => number,
): RawPolicy | undefined {
  // 1. YAML syntax (errors and warnings: an unresolved tag silently changes an expression).
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    const letMap = nodeAt(doc, ['spec', 'let']);
    const lines = new Set<number>();
    const sorted = yamlProblems.slice().sort((a, b) => a.pos[0] - b.pos[0]);
    for (const err of sorted) {
      let span = { offset: err.pos[0], length: Math.max(1, err.pos[1] - err.pos[0]) };
      const quote = /missing closing (["'])/i.exec(err.message)?.[1];
      if (quote !== undefined) {
        // Point at the opening quote rather than where the text ran out.
        const open = text.lastIndexOf(quote, err.pos[0] - 1);
        if (open >= 0) span = { offset: open, length: 1 };
      }
      const made = yamlIssue(err.code, err.message, text, span, letMap, issue);
      // One issue per line: the parser often reports a follow-on error where it lost track.
      if (lines.has(made.line!)) continue;
      lines.add(made.line!);
      issues.push(made);
    }
    return undefined;
  }
  const contents = doc.contents as Node | null;
  if (contents === null || (isScalar(contents) && contents.value === null && (contents.source ?? '') === '')) {
    return undefined; // empty document (comments only)
  }

  // 2. Node-level checks the JSON data cannot show: `__proto__` keys, complex keys, dangling aliases.
  const before = issues.length;
  checkNodes(doc, issue, issues);
  if (issues.length > before) return undefined;

  let data: unknown;
  try {
    // checkNodes bounded the aliases and what they expand to; yaml's own count (which
    // multiplies uses by nesting) would refuse documents well inside those bounds
    data = doc.toJS({ maxAliasCount: -1 });
  } catch (e) {
    issues.push(issue('yaml_syntax', errorText(e), spanOf(contents) ?? { offset: 0, length: 1 }));
    return undefined;
  }

  // 3. Schema, then the checks the schema cannot express (also run on an invalid document, so that
  // all its problems are reported together).
  const start = issues.length;
  if (!validate(data)) {
    const loc = locator(doc);
    for (const p of schemaProblems(validate.errors ?? [], data, loc)) {
      issues.push(issue('schema', p.message, p, p.hint));
    }
  }
  semanticChecks(doc, data, text, file, issues, issue, lineOf);
  if (issues.length > start) {
    const mine = issues.splice(start).sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
    issues.push(...mine);
    return undefined;
  }

  // 4. Build the raw policy.
  return buildPolicy(doc, data as PolicyData, docIndex, text, file);
}

const asObject = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Reserved `let` names, duplicate rule ids, message templates. Defensive: data may be invalid. */
function semanticChecks(
  doc: YamlDoc,
  data: unknown,
  text: string,
  file: string | undefined,
  issues: Issue[],
  issue: MakeIssue,
  lineOf: (offset: number) => number,
): void {
  const spec = asObject(asObject(data)?.spec);
  const lets = asObject(spec?.let);
  if (lets) {
    const letMap = nodeAt(doc, ['spec', 'let']);
    for (const name of Object.keys(lets)) {
      if (!isReservedName(name)) continue;
      const keySpan = spanOf(pairIn(doc, letMap, name)?.key as Node) ?? { offset: 0, length: 1 };
      issues.push(issue('schema', `\`let\` name ${code(name)} is a reserved word`, keySpan, 'choose another name'));
    }
  }
  compositionChecks(doc, asObject(data)?.kind, spec, issues, issue, lineOf);
  const rules = spec?.rules;
  if (!Array.isArray(rules)) return;
  const firstRule = new Map<string, number>();
  rules.forEach((r: unknown, i) => {
    const rule = asObject(r);
    if (!rule) return;
    const base: PathSeg[] = ['spec', 'rules', i];
    const id = rule.id;
    if (typeof id === 'string') {
      const idSpan = spanOf(nodeAt(doc, [...base, 'id'])) ?? { offset: 0, length: 1 };
      const seen = firstRule.get(id);
      if (seen !== undefined) {
        issues.push(
          issue(
            'duplicate_rule',
            `duplicate rule id ${code(id)}`,
            idSpan,
            `first defined at line ${lineOf(seen)}; rule ids must be unique within a policy`,
          ),
        );
      } else firstRule.set(id, idSpan.offset);
    }
    const message = rule.message;
    if (typeof message === 'string') {
      const { problems } = parseTemplate(exprAt(doc, [...base, 'message'], message, text, file));
      for (const p of problems) issues.push(issue('invalid_template', p.message, p, p.hint));
    }
  });
}

/** How a policy decides: an extension takes these from its base. */
const SETTINGS = ['target', 'combining', 'default', 'onError'];

/** Keys a Library may not have: it holds no rules and decides nothing. */
const POLICY_ONLY = ['extends', 'target', 'combining', 'default', 'onError', 'rules'];

/**
 * What the schema cannot say about composition: which `spec` keys a Library may have, a
 * condition named like a `let`, a library imported twice.
 */
function compositionChecks(
  doc: YamlDoc,
  kind: unknown,
  spec: Record<string, unknown> | undefined,
  issues: Issue[],
  issue: MakeIssue,
  lineOf: (offset: number) => number,
): void {
  if (!spec) return;
  const specMap = nodeAt(doc, ['spec']);
  if (kind === 'Library') {
    for (const key of POLICY_ONLY) {
      if (!(key in spec)) continue;
      const span = spanOf(pairIn(doc, specMap, key)?.key as Node) ?? { offset: 0, length: 1 };
      issues.push(
        issue(
          'schema',
          `a \`Library\` cannot have \`${key}\``,
          span,
          key === 'rules'
            ? 'put the rules in a `kind: Policy` document that imports the library'
            : 'a library holds only `imports`, `let` and `conditions`',
        ),
      );
    }
  }
  const lets = asObject(spec.let);
  const conditions = asObject(spec.conditions);
  if (conditions) {
    const condMap = nodeAt(doc, ['spec', 'conditions']);
    const letMap = nodeAt(doc, ['spec', 'let']);
    for (const name of Object.keys(conditions)) {
      const keySpan = spanOf(pairIn(doc, condMap, name)?.key as Node) ?? { offset: 0, length: 1 };
      if (isReservedName(name))
        issues.push(issue('schema', `condition name ${code(name)} is a reserved word`, keySpan, 'choose another name'));
      else if (lets && name in lets) {
        const first = spanOf(pairIn(doc, letMap, name)?.key as Node);
        issues.push(
          issue(
            'duplicate_let',
            `condition ${code(name)} has the name of a \`let\``,
            keySpan,
            `the \`let\` is at line ${first ? lineOf(first.offset) : '?'}; \`let\` and \`conditions\` share one set of names`,
          ),
        );
      }
    }
  }
  const imports = spec.imports;
  if (Array.isArray(imports)) {
    const seen = new Map<string, number>();
    imports.forEach((name, i) => {
      if (typeof name !== 'string') return;
      const span = spanOf(nodeAt(doc, ['spec', 'imports', i])) ?? { offset: 0, length: 1 };
      const first = seen.get(name);
      if (first !== undefined)
        issues.push(
          issue('name_clash', `library ${code(name)} is imported twice`, span, `first imported at line ${lineOf(first)}; remove one`),
        );
      else seen.set(name, span.offset);
    });
  }
}

/** The ExprSource of the scalar at path, whose value is `value`. */
function exprAt(doc: YamlDoc, path: PathSeg[], value: string | number | boolean, text: string, file: string | undefined): ExprSource {
  const node = nodeAt(doc, path);
  if (node && isScalar(node)) {
    return typeof value === 'string' ? stringSource(text, node, value, file) : literalSource(text, node, value, file);
  }
  const s = String(value);
  const at = spanOf(node)?.offset ?? 0;
  const out: ExprSource = { text: s, offsets: Array.from({ length: s.length + 1 }, () => at) };
  if (file !== undefined) out.file = file;
  return out;
}

const YAML_HINTS = table<string>({
  TAG_RESOLVE_FAILED: 'in YAML `!` starts a tag: quote an expression that starts with `!`, e.g. `when: "!has(user.id)"`',
  BLOCK_AS_IMPLICIT_KEY: 'quote a value that contains `: `, e.g. `when: "a ? b : c"`',
  MULTILINE_IMPLICIT_KEY: 'a key must be on one line; check the indentation or quote the value',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  DUPLICATE_KEY: 'each key may appear only once in a mapping',
  BAD_INDENT: 'check the indentation of this line',
  BAD_ALIAS: 'in YAML `*` and `&` start aliases and anchors: quote a value that starts with them',
  BAD_SCALAR_START: 'quote the value',
});

function yamlHint(errCode: string, message: string, text: string, span: Span): string | undefined {
  if (/missing closing/i.test(message)) return 'add the closing quote';
  if (/must end with a/i.test(message)) return 'add the closing bracket';
  if (/missing , /i.test(message)) return 'separate the items with `,`';
  if (/comments must be separated/i.test(message)) return 'put a blank before `#`, or quote a value that contains `#`';
  if (/followed by map values/i.test(message)) return 'add `:` after the key';
  if (/sequence item without/i.test(message)) return 'start each list item with `- `';
  if (errCode === 'UNEXPECTED_TOKEN') {
    const lineStart = text.lastIndexOf('\n', span.offset - 1) + 1;
    const before = text.slice(lineStart, span.offset);
    if (/:\s+['"[{]/.test(before)) {
      return 'a value that starts with a quote, `[` or `{` must be quoted as a whole, e.g. `when: "\'x\' in request.tags"`';
    }
    return 'check for a missing `:` after a key, or the indentation';
  }
  if (errCode === 'MISSING_CHAR') return undefined;
  return YAML_HINTS[errCode];
}

const TOKEN_NAMES: Record<string, string> = {
  'flow-map-start': '`{`',
  'flow-map-end': '`}`',
  'flow-seq-start': '`[`',
  'flow-seq-end': '`]`',
  'flow-error-end': 'end of a flow collection',
  'seq-item-ind': '`-`',
  'block-seq-ind': '`-`',
  'map-value-ind': '`:`',
  'explicit-key-ind': '`?`',
  'block-scalar-header': 'block scalar header',
  'double-quoted-scalar': 'quoted string',
  'single-quoted-scalar': 'quoted string',
  scalar: 'text',
  alias: 'alias',
  anchor: 'anchor',
  tag: 'tag',
  comma: '`,`',
  comment: 'comment',
};

function clip(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 40 ? `${t.slice(0, 37)}...` : t;
}

/** The yaml package's message in our style: lowercase start, no final period, user text in backticks. */
function yamlMessage(message: string): string {
  let msg = message.split('\n')[0]!.trim().replace(/\.$/, '');
  if (/^[A-Z](?![A-Z])/.test(msg)) msg = msg[0]!.toLowerCase() + msg.slice(1);
  // unexpected <token> token in YAML stream: "<source>"
  let m = /^unexpected ([a-z-]+) token(?: in YAML (?:stream|document))?(?:: "((?:[^"\\]|\\.)*)")?$/.exec(msg);
  if (m) {
    const src = m[2] !== undefined ? m[2].replace(/\\n/g, ' ').replace(/\\(.)/g, '$1') : '';
    return src.trim() !== '' ? `unexpected ${code(clip(src))}` : `unexpected ${TOKEN_NAMES[m[1]!] ?? m[1]!}`;
  }
  m = /^unexpected ([a-z-]+) at node end$/.exec(msg);
  if (m) return `unexpected ${TOKEN_NAMES[m[1]!] ?? m[1]!} after a value`;
  m = /^unexpected ([a-z-]+) (on same line with key)$/.exec(msg);
  if (m) return `unexpected ${TOKEN_NAMES[m[1]!] ?? m[1]!} ${m[2]!}`;
  m = /^(block scalar header includes extra characters): (.+)$/.exec(msg);
  if (m) return `${m[1]!} ${code(clip(m[2]!))}`;
  m = /^not a YAML token: (.+)$/.exec(msg);
  if (m) return `not valid YAML: ${code(clip(m[1]!))}`;
  m = /^missing closing (["'])quote$/.exec(msg);
  if (m) return `missing closing quote ${code(m[1]!)}`;
  // Bare indicator characters: `,` `:` `}` `]` `>` `|` `-` `?`.
  return msg.replace(/(^|\s)([,:\][{}|>?-])(?=\s|$)/g, (_, pre: string, ch: string) => `${pre}${code(ch)}`);
}

function yamlIssue(errCode: string, message: string, text: string, span: Span, letMap: Node | undefined, issue: MakeIssue): Issue {
  if (errCode === 'DUPLICATE_KEY' && letMap && within(letMap, span.offset)) {
    const name = keyTextAt(text, span);
    return issue('duplicate_let', `duplicate \`let\` name ${code(name)}`, span, 'each `let` name may be defined once');
  }
  let msg = yamlMessage(message);
  if (errCode === 'TAG_RESOLVE_FAILED') msg = `unresolved tag ${code(text.slice(span.offset, span.offset + span.length))}`;
  if (errCode === 'DUPLICATE_KEY') msg = `duplicate key ${code(keyTextAt(text, span))}`;
  return issue('yaml_syntax', msg, span, yamlHint(errCode, message, text, span));
}

function keyTextAt(text: string, span: Span): string {
  const line = text.slice(span.offset).split(/\r?\n/)[0] ?? '';
  const m = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:#]*?))\s*:/.exec(line);
  return (m?.[1] ?? m?.[2]?.replace(/''/g, "'") ?? m?.[3] ?? line).trim();
}

function within(node: Node, offset: number): boolean {
  const r = node.range;
  return !!r && offset >= r[0] && offset < r[2];
}

function spanOf(node: Node | null | undefined): Span | undefined {
  if (!node?.range) return undefined;
  const [a, b] = node.range;
  if (isMap(node) || isSeq(node)) {
    // The first key (or item) rather than the whole collection.
    const first = node.items[0];
    const firstNode = isPair(first) ? (first.key as Node | null) : (first as Node | undefined);
    if (firstNode?.range && firstNode !== node) return spanOf(firstNode);
    return { offset: a, length: 1 };
  }
  return { offset: a, length: Math.max(1, b - a) };
}

function resolveNode(doc: YamlDoc, node: unknown): Node | undefined {
  if (node === null || node === undefined) return undefined;
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? undefined;
  return node as Node;
}

function keyString(key: unknown): string | undefined {
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  if (key === null || key === undefined) return '';
  return undefined;
}

function pairIn(doc: YamlDoc, map: Node | undefined, key: string): Pair | undefined {
  if (!map || !isMap(map)) return undefined;
  // The last pair with the key wins, as in toJS.
  let found: Pair | undefined;
  for (const p of (map as YAMLMap).items) {
    if (keyString(resolveNode(doc, p.key) ?? p.key) === key) found = p as Pair;
  }
  return found;
}

function childOf(doc: YamlDoc, node: Node | undefined, seg: PathSeg): Node | undefined {
  if (!node) return undefined;
  if (isSeq(node)) {
    const i = typeof seg === 'number' ? seg : Number(seg);
    return resolveNode(doc, node.items[i]);
  }
  const p = pairIn(doc, node, String(seg));
  return p ? resolveNode(doc, p.value) : undefined;
}

function nodeAt(doc: YamlDoc, path: PathSeg[]): Node | undefined {
  let node = resolveNode(doc, doc.contents);
  for (const seg of path) {
    node = childOf(doc, node, seg);
    if (!node) return undefined;
  }
  return node;
}

/** The pair whose value is at path; undefined for the root and list items. */
function pairAt(doc: YamlDoc, path: PathSeg[]): Pair | undefined {
  if (path.length === 0) return undefined;
  const parent = nodeAt(doc, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (!parent || !isMap(parent)) return undefined;
  return pairIn(doc, parent, String(last));
}

function locator(doc: YamlDoc): NodeLocator {
  const docStart = (): Span => spanOf(doc.contents as Node) ?? { offset: doc.range[0], length: 1 };
  return {
    value(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = nodeAt(doc, path.slice(0, n));
        const span = n === path.length ? spanOf(node) : undefined;
        if (span) return span;
        if (node && n < path.length) {
          // Nearest existing ancestor: its key if it has one.
          const k = pairAt(doc, path.slice(0, n));
          return spanOf(k?.key as Node) ?? spanOf(node) ?? docStart();
        }
      }
      return docStart();
    },
    key(path) {
      const p = pairAt(doc, path);
      return p ? spanOf(p.key as Node) : undefined;
    },
    keyIn(path, name) {
      const p = pairIn(doc, nodeAt(doc, path), name);
      return p ? spanOf(p.key as Node) : undefined;
    },
    isEmpty(path) {
      const node = nodeAt(doc, path);
      if (!node) return true;
      return isScalar(node) && node.value === null && (node.source ?? '') === '';
    },
  };
}

/**
 * Keys that would be unsafe or lossy as plain-object keys; aliases with no anchor; more than
 * MAX_ALIASES aliases, or aliases that expand the document past MAX_EXPANDED_NODES nodes.
 */
function checkNodes(doc: YamlDoc, issue: MakeIssue, issues: Issue[]): void {
  const stack: unknown[] = [doc.contents];
  const seen = new Set<unknown>();
  const aliases: Alias[] = [];
  let dangling = false;
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || node === undefined || seen.has(node)) continue;
    seen.add(node);
    if (isAlias(node)) {
      aliases.push(node);
      if (node.resolve(doc) === undefined) {
        dangling = true;
        issues.push(
          issue(
            'yaml_syntax',
            `unknown alias ${code(`*${node.source}`)}`,
            spanOf(node) ?? { offset: 0, length: 1 },
            'an alias must follow the anchor (`&name`) it refers to; quote a value that starts with `*`',
          ),
        );
      }
      continue;
    }
    if (isMap(node)) {
      for (const p of node.items) {
        const k = p.key as Node | null;
        if (k !== null && !isScalar(k) && !isAlias(k)) {
          issues.push(issue('schema', 'a mapping key must be a plain string', spanOf(k) ?? { offset: 0, length: 1 }));
        } else if (isScalar(k) && k.value === '__proto__') {
          issues.push(issue('schema', 'key `__proto__` is not allowed', spanOf(k) ?? { offset: 0, length: 1 }, 'rename the key'));
        }
        stack.push(p.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  if (aliases.length > MAX_ALIASES) {
    const extra = aliases.sort((a, b) => (a.range?.[0] ?? 0) - (b.range?.[0] ?? 0))[MAX_ALIASES]!;
    issues.push(
      issue(
        'limit_exceeded',
        `more than ${MAX_ALIASES} aliases in one document`,
        spanOf(extra) ?? { offset: 0, length: 1 },
        'repeat the value, or move shared conditions into a `let`',
      ),
    );
  } else if (aliases.length > 0 && !dangling && expandedSize(doc) > MAX_EXPANDED_NODES) {
    issues.push(
      issue(
        'limit_exceeded',
        `aliases expand the document to more than ${MAX_EXPANDED_NODES} values`,
        spanOf(doc.contents as Node) ?? { offset: 0, length: 1 },
        'aliases of collections that hold aliases multiply: repeat less, or move shared parts into a `let`',
      ),
    );
  }
}

/** Values in the document once every alias is replaced by what it names; memoized per node. */
function expandedSize(doc: YamlDoc): number {
  const memo = new Map<unknown, number>();
  const size = (node: unknown, depth: number): number => {
    if (node === null || node === undefined) return 1;
    const known = memo.get(node);
    if (known !== undefined) return known;
    // an alias cycle (an anchor that contains an alias of itself) never ends: count it as too big
    if (depth > 200) return Number.POSITIVE_INFINITY;
    let n = 1;
    if (isAlias(node)) n = size(node.resolve(doc), depth + 1);
    else if (isMap(node)) for (const p of node.items) n += size(p.key, depth + 1) + size(p.value, depth + 1);
    else if (isSeq(node)) for (const item of node.items) n += size(item, depth + 1);
    memo.set(node, n);
    return n;
  };
  return size(doc.contents, 0);
}

interface RuleData {
  id: string;
  description?: string;
  when?: string | boolean;
  effect: RawRule['effect'];
  message?: string;
  obligations?: Record<string, unknown>[];
  priority?: number;
  labels?: Record<string, string>;
}

interface PolicyData {
  kind: RawPolicy['kind'];
  metadata: { name: string; namespace?: string; version?: string; description?: string; labels?: Record<string, string> };
  spec: {
    target?: string | boolean;
    combining?: RawPolicy['combining'];
    default?: RawPolicy['default'];
    onError?: RawPolicy['onError'];
    mode?: RawPolicy['mode'];
    let?: Record<string, string | number | boolean>;
    conditions?: Record<string, string | boolean>;
    imports?: string[];
    extends?: string;
    rules?: RuleData[];
  };
}

function buildPolicy(doc: YamlDoc, data: PolicyData, docIndex: number, text: string, file: string | undefined): RawPolicy {
  const expr = (path: PathSeg[], value: string | number | boolean): ExprSource => exprAt(doc, path, value, text, file);
  const contents = doc.contents as Node;
  const { metadata: md, spec } = data;

  const ref = (path: PathSeg[], name: string): RawRef => {
    const span = spanOf(nodeAt(doc, path)) ?? { offset: contents.range?.[0] ?? 0, length: 1 };
    return { name, offset: span.offset, length: span.length };
  };
  const specMap = nodeAt(doc, ['spec']);
  const policy: RawPolicy = {
    kind: data.kind,
    name: md.name,
    namespace: md.namespace ?? 'default',
    labels: copyLabels(md.labels),
    combining: spec.combining ?? 'deny-overrides',
    default: spec.default ?? 'allow',
    onError: spec.onError ?? 'deny',
    lets: [],
    rules: [],
    imports: (spec.imports ?? []).map((name, i) => ref(['spec', 'imports', i], name)),
    settings: SETTINGS.filter((key) => key in spec).map((key) => {
      const span = spanOf(pairIn(doc, specMap, key)?.key as Node) ?? { offset: 0, length: 1 };
      return { name: key, offset: span.offset, length: span.length };
    }),
    offset: contents.range?.[0] ?? 0,
    docIndex,
  };
  if (spec.extends !== undefined) policy.extends = ref(['spec', 'extends'], spec.extends);
  if (md.version !== undefined) policy.version = md.version;
  if (md.description !== undefined) policy.description = md.description;
  if (spec.target !== undefined) policy.target = expr(['spec', 'target'], spec.target);
  if (spec.mode === 'shadow') policy.mode = 'shadow';
  if (file !== undefined) policy.file = file;

  if (spec.let !== undefined) {
    const letMap = nodeAt(doc, ['spec', 'let']);
    for (const name of Object.keys(spec.let)) {
      const keyNode = pairIn(doc, letMap, name)?.key as Node | undefined;
      const l: RawLet = { name, expr: expr(['spec', 'let', name], spec.let[name]!), offset: spanOf(keyNode)?.offset ?? 0 };
      policy.lets.push(l);
    }
  }
  if (spec.conditions !== undefined) {
    const condMap = nodeAt(doc, ['spec', 'conditions']);
    for (const name of Object.keys(spec.conditions)) {
      const keyNode = pairIn(doc, condMap, name)?.key as Node | undefined;
      const at = spanOf(keyNode)?.offset ?? 0;
      policy.lets.push({ name, expr: expr(['spec', 'conditions', name], spec.conditions[name]!), offset: at, condition: true });
    }
  }

  (spec.rules ?? []).forEach((r, i) => {
    const base: PathSeg[] = ['spec', 'rules', i];
    const rule: RawRule = {
      id: r.id,
      effect: r.effect,
      obligations: (r.obligations ?? []).map((o) => plainCopy(o) as Record<string, unknown>),
      priority: r.priority ?? 0,
      offset: spanOf(nodeAt(doc, [...base, 'id']))?.offset ?? 0,
    };
    if (r.description !== undefined) rule.description = r.description;
    if (r.when !== undefined) rule.when = expr([...base, 'when'], r.when);
    if (r.message !== undefined) rule.message = parseTemplate(expr([...base, 'message'], r.message)).template;
    if (r.labels !== undefined) rule.labels = copyLabels(r.labels);
    policy.rules.push(rule);
  });
  return policy;
}

function copyLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (labels) for (const k of Object.keys(labels)) out[k] = labels[k]!;
  return out;
}

/** A fresh copy made of plain objects and arrays only. `__proto__` keys were rejected earlier. */
function plainCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainCopy);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      if (k === '__proto__') continue;
      out[k] = plainCopy((v as Record<string, unknown>)[k]);
    }
    return out;
  }
  return v;
}
