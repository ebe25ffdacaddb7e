// Turns ajv errors into one plain-worded problem per mistake, positioned at the YAML node.

import type { PolicySchemaError } from './validator.generated.js';
import { closest } from '../util/suggest.js';
import { table } from '../util/table.js';

export type PathSeg = string | number;

/** Where a problem points: a file offset and length. */
export interface Span {
  offset: number;
  length: number;
}

/** Positions of the parts of a document, by JSON path (implemented over the YAML nodes). */
export interface NodeLocator {
  /** The value at path (or its nearest existing ancestor). */
  value(path: PathSeg[]): Span;
  /** The key naming path's last segment in its parent mapping; undefined for list items and the root. */
  key(path: PathSeg[]): Span | undefined;
  /** The key `name` inside the mapping at path. */
  keyIn(path: PathSeg[], name: string): Span | undefined;
  /** True when the value at path is written as nothing (`key:` with no value). */
  isEmpty(path: PathSeg[]): boolean;
}

export interface SchemaProblem extends Span {
  message: string;
  hint?: string;
}

/** Allowed keys by section; kept equal to the schema by a test. */
export const SECTION_KEYS = {
  document: ['apiVersion', 'kind', 'metadata', 'spec'],
  metadata: ['name', 'namespace', 'version', 'description', 'labels'],
  spec: ['extends', 'imports', 'target', 'combining', 'default', 'mode', 'onError', 'let', 'conditions', 'rules'],
  rule: ['id', 'description', 'when', 'effect', 'message', 'obligations', 'priority', 'labels'],
} as const;

type Section = keyof typeof SECTION_KEYS;

/** Words people write for a field, by section. */
const SYNONYMS: Record<Section, Record<string, string>> = {
  document: { type: 'kind', version: 'apiVersion', meta: 'metadata', specification: 'spec' },
  metadata: { title: 'name', ns: 'namespace', tags: 'labels', desc: 'description' },
  spec: {
    lets: 'let',
    vars: 'let',
    variables: 'let',
    definitions: 'let',
    combine: 'combining',
    combination: 'combining',
    algorithm: 'combining',
    on_error: 'onError',
    on_failure: 'onError',
    defaultEffect: 'default',
    default_effect: 'default',
    when: 'target',
    condition: 'target',
    rule: 'rules',
    import: 'imports',
    include: 'imports',
    includes: 'imports',
    uses: 'imports',
    extend: 'extends',
    base: 'extends',
    inherits: 'extends',
  },
  rule: {
    name: 'id',
    condition: 'when',
    if: 'when',
    match: 'when',
    expr: 'when',
    expression: 'when',
    action: 'effect',
    decision: 'effect',
    result: 'effect',
    reason: 'message',
    msg: 'message',
    obligation: 'obligations',
    tags: 'labels',
    desc: 'description',
  },
};

const PATTERN_HINTS = table<{ what: string; hint: string }>({
  name: {
    what: 'policy name',
    hint: 'use letters, digits, `.`, `_` and `-`, starting and ending with a letter or digit',
  },
  namespace: {
    what: 'namespace',
    hint: 'use letters, digits, `.`, `_` and `-`, starting and ending with a letter or digit',
  },
  version: { what: 'version', hint: 'use a semantic version such as `1.0.0`' },
  id: { what: 'rule id', hint: 'a rule id must not be empty or start or end with blanks' },
});

const REQUIRED_HINTS = table<string>({
  apiVersion: 'add `apiVersion: llmpolicy/v1`',
  kind: 'add `kind: Policy`',
  metadata: 'add `metadata:` with at least `name: <policy name>`',
  spec: "add `spec:` with the policy's `rules`",
  name: 'add `name: <policy name>` under `metadata`',
  id: 'add `id: <unique id>` to the rule',
  effect: 'add `effect: allow`, `effect: deny` or `effect: warn`',
  model: 'add `model: <model name>`',
});

function sectionOf(path: PathSeg[]): Section | undefined {
  if (path.length === 0) return 'document';
  if (path.length === 1 && path[0] === 'metadata') return 'metadata';
  if (path.length === 1 && path[0] === 'spec') return 'spec';
  if (path.length === 3 && path[0] === 'spec' && path[1] === 'rules' && typeof path[2] === 'number') return 'rule';
  return undefined;
}

/** Suggested key for an unknown `key` in the mapping at path. */
function suggestKey(path: PathSeg[], key: string): { key: string; elsewhere?: string } | undefined {
  const section = sectionOf(path);
  if (section === undefined) return undefined;
  const own = SECTION_KEYS[section];
  const syn = Object.prototype.hasOwnProperty.call(SYNONYMS[section], key) ? SYNONYMS[section][key] : undefined;
  const near = closest(key, own) ?? syn;
  if (near !== undefined) return { key: near };
  // A key of another section written in the wrong place.
  for (const other of ['metadata', 'spec', 'rule'] as const) {
    if (other === section) continue;
    if ((SECTION_KEYS[other] as readonly string[]).includes(key)) {
      const where = other === 'rule' ? 'a rule (an item of `spec.rules`)' : `\`${other}\``;
      return { key, elsewhere: where };
    }
  }
  return undefined;
}

/** Paths whose value is an expression or a message template. */
function isExpressionPath(path: PathSeg[]): boolean {
  if (path.length === 2 && path[0] === 'spec' && path[1] === 'target') return true;
  if (path.length === 3 && path[0] === 'spec' && (path[1] === 'let' || path[1] === 'conditions')) return true;
  const last = path[path.length - 1];
  return sectionOf(path.slice(0, -1)) === 'rule' && (last === 'when' || last === 'message');
}

/** `spec.rules[0].effect` */
export function displayPath(path: PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isInteger(v) ? 'a number' : 'a fractional number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'a mapping';
    default:
      return typeof v;
  }
}

const TYPE_NAMES = table<string>({
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  null: 'null',
});

function typeList(t: unknown): string {
  const names = (Array.isArray(t) ? t : [t]).map((x) => TYPE_NAMES[String(x)] ?? String(x));
  if (names.length <= 1) return names[0] ?? 'valid';
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function shortValue(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  s = s.replace(/\s+/g, ' ');
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Resolves pointer segments against the data so list indices become numbers. */
function toPath(root: unknown, segs: string[]): PathSeg[] {
  const path: PathSeg[] = [];
  let cur: unknown = root;
  for (const s of segs) {
    if (Array.isArray(cur)) {
      const n = Number(s);
      path.push(n);
      cur = cur[n];
    } else {
      path.push(s);
      cur =
        cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, s)
          ? (cur as Record<string, unknown>)[s]
          : undefined;
    }
  }
  return path;
}

function valueAt(root: unknown, path: PathSeg[]): unknown {
  let cur: unknown = root;
  for (const s of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, s)) return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}

/** Where the mapping at path is: the key naming it, else its first key. */
function mappingSpan(loc: NodeLocator, path: PathSeg[]): Span {
  return loc.key(path) ?? loc.value(path);
}

/** The value, or its key when the value is written as nothing. */
function valueSpan(loc: NodeLocator, path: PathSeg[]): Span {
  if (loc.isEmpty(path)) {
    const k = loc.key(path);
    if (k) return k;
  }
  return loc.value(path);
}

function where(path: PathSeg[], data: unknown): string {
  if (path.length === 0) return 'at the top level';
  const section = sectionOf(path);
  if (section === 'rule') {
    const id = valueAt(data, [...path, 'id']);
    if (typeof id === 'string' && id !== '') return `in rule ${code(id)}`;
  }
  return `in ${code(displayPath(path))}`;
}

/** One problem per mistake, in document order of the errors. */
export function schemaProblems(errors: PolicySchemaError[], data: unknown, loc: NodeLocator): SchemaProblem[] {
  // Collapse anyOf/oneOf: keep the combinator's error, drop its branches' errors.
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  let errs = errors.filter(
    (e) => !combinators.some((c) => c !== e && e.instancePath.startsWith(c.instancePath) && e.schemaPath.startsWith(`${c.schemaPath}/`)),
  );
  // propertyNames reports the failing sub-keyword and then itself: keep the first.
  errs = errs.filter(
    (e) =>
      !(
        e.keyword === 'propertyNames' &&
        errs.some((o) => o !== e && o.instancePath === e.instancePath && o.propertyName === e.params.propertyName)
      ),
  );

  const problems: SchemaProblem[] = [];
  // Unknown keys that look like a missing required key: report the typo only.
  const typoFor = new Set<string>();
  for (const e of errs) {
    if (e.keyword !== 'additionalProperties') continue;
    const path = toPath(data, parsePointer(e.instancePath));
    const key = String(e.params.additionalProperty);
    const s = suggestKey(path, key);
    if (s && s.elsewhere === undefined) typoFor.add(`${e.instancePath}\u0000${s.key}`);
  }

  for (const e of errs) {
    const path = toPath(data, parsePointer(e.instancePath));
    const value = valueAt(data, path);
    const name = displayPath(path);
    const last = path[path.length - 1];
    switch (e.keyword) {
      case 'required': {
        const missing = String(e.params.missingProperty);
        if (typoFor.has(`${e.instancePath}\u0000${missing}`)) break;
        const span = path.length === 0 ? loc.value(path) : mappingSpan(loc, path);
        const p: SchemaProblem = { ...span, message: `missing required field ${code(missing)} ${where(path, data)}` };
        const hint = REQUIRED_HINTS[missing];
        if (hint) p.hint = hint;
        problems.push(p);
        break;
      }
      case 'additionalProperties': {
        const key = String(e.params.additionalProperty);
        const span = loc.keyIn(path, key) ?? loc.value(path);
        const p: SchemaProblem = { ...span, message: `unknown field ${code(key)} ${where(path, data)}` };
        const s = suggestKey(path, key);
        const section = sectionOf(path);
        if (s?.elsewhere !== undefined) p.hint = `${code(key)} belongs in ${s.elsewhere}`;
        else if (s) p.hint = `did you mean ${code(s.key)}?`;
        else if (section) p.hint = `allowed fields: ${SECTION_KEYS[section].map(code).join(', ')}`;
        problems.push(p);
        break;
      }
      case 'const': {
        const allowed = String(e.params.allowedValue);
        problems.push({
          ...valueSpan(loc, path),
          message: `${code(name)} must be ${code(allowed)}, got ${value === null || value === undefined ? 'an empty value' : code(shortValue(value))}`,
          hint: `write \`${String(last)}: ${allowed}\``,
        });
        break;
      }
      case 'enum': {
        const allowed = (e.params.allowedValues as unknown[]).map(String);
        const near = typeof value === 'string' ? closest(value, allowed) : undefined;
        const list = `allowed values: ${allowed.map(code).join(', ')}`;
        const isKind = path.length === 1 && path[0] === 'kind';
        problems.push({
          ...valueSpan(loc, path),
          message:
            value === null || value === undefined
              ? `missing value for ${code(name)}`
              : isKind
                ? `\`kind\` must be ${allowed.map(code).join(' or ')}, got ${code(shortValue(value))}`
                : `invalid value ${code(shortValue(value))} for ${code(name)}`,
          hint: near !== undefined ? `did you mean ${code(near)}? ${list}` : list,
        });
        break;
      }
      case 'type': {
        const expected = e.params.type;
        const wantsString = expected === 'string' || (Array.isArray(expected) && expected.includes('string'));
        const p: SchemaProblem = {
          ...valueSpan(loc, path),
          message:
            path.length === 0
              ? `a policy document must be a mapping, got ${describeValue(value)}`
              : `${code(name)} must be ${typeList(expected)}, got ${describeValue(value)}`,
        };
        if (wantsString && (typeof value === 'number' || typeof value === 'boolean')) {
          p.hint = `quote the value to make it a string: \`"${shortValue(value)}"\``;
        } else if (expected === 'array' && value !== null && typeof value === 'object') {
          p.hint = `write ${code(String(last))} as a list: start each item with \`- \``;
        } else if (expected === 'array' && (value === null || value === undefined)) {
          p.hint = `write \`${String(last)}: []\` for an empty list`;
        } else if (expected === 'object' && (value === null || value === undefined)) {
          p.hint = `add the fields of ${code(name)} below it, indented`;
        } else if (expected === 'integer' && typeof value === 'number') {
          p.hint = 'use a whole number';
        } else if (wantsString && value !== null && typeof value === 'object' && isExpressionPath(path)) {
          p.hint = 'an expression that contains `: ` or starts with `{` or `[` must be quoted';
        }
        problems.push(p);
        break;
      }
      case 'pattern': {
        if (e.propertyName !== undefined) {
          const bad = e.propertyName;
          const isLet = path.length === 2 && path[0] === 'spec' && (path[1] === 'let' || path[1] === 'conditions');
          problems.push({
            ...(loc.keyIn(path, bad) ?? loc.value(path)),
            message: isLet ? `invalid \`${String(path[1])}\` name ${code(bad)}` : `invalid key ${code(bad)} in ${code(name)}`,
            hint: isLet
              ? 'a name is an identifier: letters, digits and `_`, not starting with a digit'
              : `key must match \`${String(e.params.pattern)}\``,
          });
          break;
        }
        const known = typeof last === 'string' ? PATTERN_HINTS[last] : undefined;
        const p: SchemaProblem = {
          ...valueSpan(loc, path),
          message: `invalid ${known ? known.what : code(name)} ${code(shortValue(value))}`,
        };
        p.hint = known ? known.hint : `must match \`${String(e.params.pattern)}\``;
        problems.push(p);
        break;
      }
      case 'minProperties':
      case 'maxProperties': {
        const isObligation = path.length === 5 && path[3] === 'obligations';
        const n = value !== null && typeof value === 'object' ? Object.keys(value).length : 0;
        problems.push({
          ...valueSpan(loc, path),
          message: isObligation
            ? n === 0
              ? 'empty obligation'
              : `an obligation must have exactly one key, found ${n}: ${Object.keys(value as object)
                  .map(code)
                  .join(', ')}`
            : `${code(name)} ${e.message ?? 'is invalid'}`,
          hint: isObligation ? 'write each obligation as its own list item, e.g. `- redact: { entities: [email] }`' : undefined,
        } as SchemaProblem);
        break;
      }
      default: {
        problems.push({
          ...valueSpan(loc, path),
          message: `${code(name || 'document')} ${(e.message ?? 'is invalid').replace(/\.$/, '')}`,
        });
      }
    }
  }
  // One problem per position and message.
  const seen = new Set<string>();
  problems.sort((a, b) => a.offset - b.offset);
  return problems.filter((p) => {
    if (p.hint === undefined) delete p.hint;
    const k = `${p.offset}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
