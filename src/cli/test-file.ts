// Policy test files (schemas/policy-test.schema.json): YAML or JSON, one suite per document.
// Checked by hand rather than with ajv (a dev dependency only), with the same rules as the
// schema (a test keeps the two in step) and messages that point at the offending node.

import { basename, dirname } from 'node:path';
import { isMap, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { closest } from '../util/suggest.js';
import { EVALUATION_ERROR_CODES, SourceText } from '../lang/errors.js';
import { display, keyAt, nodeAt, type CliIssue } from './io.js';
import { checkUsages, type UsageSpec } from './state.js';
import { table } from '../util/table.js';
import { YAML_OPTIONS } from '../policy/parse.js';

export type Effect = 'allow' | 'deny' | 'warn';

export interface Expectation {
  effect?: Effect;
  rules?: string[];
  notRules?: string[];
  reasons?: string[];
  obligations?: Record<string, unknown>[];
  errors?: string[];
}

export interface TestCase {
  name: string;
  description?: string;
  input?: Record<string, unknown>;
  inputFile?: string;
  now?: string;
  policies?: string[];
  /** Usage in the state store before the decision (added to the suite's). */
  state?: UsageSpec[];
  skip: boolean;
  expect: Expectation;
  /** Line of the case in its file (1-based). */
  line: number;
}

export interface Suite {
  /** The file as shown to the user. */
  file: string;
  /** Absolute path of the file. */
  path: string;
  /** Directory relative paths in the file are resolved against. */
  dir: string;
  name: string;
  description?: string;
  policies?: string[];
  now?: string;
  /** Usage in the state store before every case. */
  state?: UsageSpec[];
  cases: TestCase[];
  line: number;
}

const TOP_KEYS = ['$schema', 'apiVersion', 'kind', 'name', 'description', 'policies', 'now', 'state', 'cases'];
const CASE_KEYS = ['name', 'description', 'input', 'inputFile', 'now', 'policies', 'state', 'skip', 'expect'];
const EXPECT_KEYS = ['effect', 'rules', 'notRules', 'reasons', 'obligations', 'errors'];
const SYNONYMS = table<string>({
  tests: 'cases',
  case: 'cases',
  policy: 'policies',
  expected: 'expect',
  expectation: 'expect',
  want: 'expect',
  decision: 'effect',
  result: 'effect',
  matched: 'rules',
  obligation: 'obligations',
  reason: 'reasons',
  error: 'errors',
  input_file: 'inputFile',
  fixture: 'inputFile',
  time: 'now',
  clock: 'now',
});
export const TIME_PATTERN = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

type Path = (string | number)[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the suites of one test file. Problems come back as issues; suites with problems are left out. */
export function parseTestFile(text: string, path: string): { suites: Suite[]; issues: CliIssue[] } {
  const file = display(path);
  const src = new SourceText(text);
  const issues: CliIssue[] = [];
  const suites: Suite[] = [];
  const at = (offset: number, length: number, code: string, message: string, hint?: string): CliIssue => {
    const out: CliIssue = { code, message, file, ...src.position(offset), offset, length: Math.max(1, length) };
    if (hint) out.hint = hint;
    return out;
  };
  let docs: Document.Parsed[];
  try {
    // test files may merge fixtures with `<<`
    docs = parseAllDocuments(text, { ...YAML_OPTIONS, merge: true }) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  } catch (e) {
    return { suites, issues: [at(0, 1, 'yaml_syntax', `cannot parse the file: ${e instanceof Error ? e.message : String(e)}`)] };
  }
  const nonEmpty = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  nonEmpty.forEach((doc, i) => {
    const yamlErrors = [...doc.errors, ...doc.warnings];
    if (yamlErrors.length > 0) {
      const lines = new Set<number>();
      for (const e of yamlErrors) {
        const issue = at(e.pos[0], e.pos[1] - e.pos[0], 'yaml_syntax', yamlMessage(e.message));
        if (lines.has(issue.line!)) continue;
        lines.add(issue.line!);
        issues.push(issue);
      }
      return;
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      issues.push(at(doc.range[0], 1, 'yaml_syntax', yamlMessage(e instanceof Error ? e.message : String(e))));
      return;
    }
    const before = issues.length;
    const problem = (p: Path, message: string, hint?: string, onKey = false) => {
      const node = (onKey ? keyAt(doc, p) : undefined) ?? nodeAt(doc, p) ?? nearest(doc, p);
      const r = node?.range ?? [doc.range[0], doc.range[0] + 1];
      issues.push(
        at(
          r[0],
          onKey || isMap(node) || isSeq(node) ? Math.min(r[1] - r[0], firstLineLength(text, r[0])) : r[1] - r[0],
          'test_file',
          message,
          hint,
        ),
      );
    };
    check(data, problem);
    if (issues.length > before) {
      const mine = issues.splice(before).sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
      issues.push(...mine);
      return;
    }
    const d = data as Record<string, unknown>;
    const lineOf = (p: Path) => {
      const n = nodeAt(doc, p);
      return n?.range ? src.position(n.range[0]).line : 1;
    };
    const suiteName = typeof d.name === 'string' ? d.name : nonEmpty.length > 1 ? `${basename(path)}#${i + 1}` : basename(path);
    const suite: Suite = {
      file,
      path,
      dir: dirname(path),
      name: suiteName,
      cases: (d.cases as Record<string, unknown>[]).map((c, j) => {
        const tc: TestCase = { name: c.name as string, skip: c.skip === true, expect: c.expect as Expectation, line: lineOf(['cases', j]) };
        if (typeof c.description === 'string') tc.description = c.description;
        if (c.input !== undefined) tc.input = c.input as Record<string, unknown>;
        if (typeof c.inputFile === 'string') tc.inputFile = c.inputFile;
        if (typeof c.now === 'string') tc.now = c.now;
        if (Array.isArray(c.policies)) tc.policies = c.policies as string[];
        if (Array.isArray(c.state)) tc.state = c.state as UsageSpec[];
        return tc;
      }),
      line: lineOf([]),
    };
    if (typeof d.description === 'string') suite.description = d.description;
    if (Array.isArray(d.policies)) suite.policies = d.policies as string[];
    if (typeof d.now === 'string') suite.now = d.now;
    if (Array.isArray(d.state)) suite.state = d.state as UsageSpec[];
    suites.push(suite);
  });
  return { suites, issues };
}

function firstLineLength(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return (nl < 0 ? text.length : nl) - offset;
}

function nearest(doc: Document, p: Path): Node | undefined {
  for (let n = p.length - 1; n >= 0; n--) {
    const k = keyAt(doc, p.slice(0, n + 1));
    if (k) return k;
    const v = nodeAt(doc, p.slice(0, n));
    if (v) return v;
  }
  return (doc.contents as Node | null) ?? undefined;
}

function yamlMessage(m: string): string {
  let msg = m.split('\n')[0]!.trim().replace(/\.$/, '');
  if (/^[A-Z](?![A-Z])/.test(msg)) msg = msg[0]!.toLowerCase() + msg.slice(1);
  return msg;
}

type Problem = (p: Path, message: string, hint?: string, onKey?: boolean) => void;

function unknownKeys(o: Record<string, unknown>, allowed: string[], p: Path, where: string, problem: Problem): void {
  for (const k of Object.keys(o)) {
    if (allowed.includes(k)) continue;
    const near = SYNONYMS[k] && allowed.includes(SYNONYMS[k]!) ? SYNONYMS[k] : closest(k, allowed);
    problem(
      [...p, k],
      `unknown field \`${k}\`${where}`,
      near ? `did you mean \`${near}\`?` : `allowed: ${allowed.map((a) => `\`${a}\``).join(', ')}`,
      true,
    );
  }
}

function stringList(v: unknown, p: Path, what: string, problem: Problem, nonEmpty: boolean, minItems = 0): void {
  if (!Array.isArray(v)) {
    problem(p, `\`${String(p[p.length - 1])}\` must be a list of ${what}`, typeof v === 'string' ? `write \`[${v}]\`` : undefined);
    return;
  }
  if (v.length < minItems) problem(p, `\`${String(p[p.length - 1])}\` must not be empty`);
  v.forEach((x, i) => {
    if (typeof x !== 'string') problem([...p, i], `expected ${what.replace(/s$/, '')}, got ${typeName(x)}`);
    else if (nonEmpty && x.trim() === '') problem([...p, i], `empty ${what.replace(/s$/, '')}`);
  });
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

function checkTime(v: unknown, p: Path, problem: Problem): void {
  if (typeof v !== 'string' || !TIME_PATTERN.test(v) || Number.isNaN(Date.parse(v.replace(' ', 'T')))) {
    problem(
      p,
      `\`now\` must be an RFC 3339 time, got \`${typeof v === 'string' ? v : JSON.stringify(v)}\``,
      'e.g. `now: 2025-01-31T09:30:00Z`',
    );
  }
}

function check(data: unknown, problem: Problem): void {
  if (!isObject(data)) {
    problem([], `a test suite must be a mapping, got ${typeName(data)}`, 'start with `apiVersion: llmpolicy/v1` and `kind: PolicyTest`');
    return;
  }
  unknownKeys(data, TOP_KEYS, [], '', problem);
  if (data.apiVersion === undefined) problem([], 'missing `apiVersion`', 'add `apiVersion: llmpolicy/v1`');
  else if (data.apiVersion !== 'llmpolicy/v1')
    problem(['apiVersion'], `\`apiVersion\` must be \`llmpolicy/v1\`, got \`${String(data.apiVersion)}\``);
  if (data.kind === undefined) problem([], 'missing `kind`', 'add `kind: PolicyTest`');
  else if (data.kind !== 'PolicyTest')
    problem(
      ['kind'],
      `\`kind\` must be \`PolicyTest\`, got \`${String(data.kind)}\``,
      data.kind === 'Policy' ? 'this is a policy file: pass it with `-p`, or list it under `policies:`' : undefined,
    );
  if (data.name !== undefined && (typeof data.name !== 'string' || data.name === ''))
    problem(['name'], '`name` must be a non-empty string');
  if (data.description !== undefined && typeof data.description !== 'string') problem(['description'], '`description` must be a string');
  if (data.$schema !== undefined && typeof data.$schema !== 'string') problem(['$schema'], '`$schema` must be a string');
  if (data.policies !== undefined) stringList(data.policies, ['policies'], 'paths', problem, true, 1);
  if (data.now !== undefined) checkTime(data.now, ['now'], problem);
  if (data.state !== undefined) checkUsages(data.state, ['state'], problem);
  if (data.cases === undefined) {
    problem([], 'missing `cases`', 'add `cases:` with at least one case');
    return;
  }
  if (!Array.isArray(data.cases)) {
    problem(['cases'], '`cases` must be a list');
    return;
  }
  if (data.cases.length === 0) problem(['cases'], '`cases` must not be empty');
  const names = new Map<string, number>();
  data.cases.forEach((c: unknown, i) => {
    const p: Path = ['cases', i];
    if (!isObject(c)) {
      problem(p, `a case must be a mapping, got ${typeName(c)}`);
      return;
    }
    const label = typeof c.name === 'string' ? ` in case \`${c.name}\`` : ` in case ${i + 1}`;
    unknownKeys(c, CASE_KEYS, p, label, problem);
    if (c.name === undefined) problem(p, `missing \`name\` in case ${i + 1}`, 'add `name: <what the case checks>`');
    else if (typeof c.name !== 'string' || c.name.trim() === '') problem([...p, 'name'], '`name` must be a non-empty string');
    else if (names.has(c.name))
      problem(
        [...p, 'name'],
        `duplicate case name \`${c.name}\``,
        `case ${names.get(c.name)! + 1} has the same name; names must be unique within a suite`,
      );
    else names.set(c.name, i);
    if (c.description !== undefined && typeof c.description !== 'string') problem([...p, 'description'], '`description` must be a string');
    if (c.input === undefined && c.inputFile === undefined)
      problem(p, `missing \`input\`${label}`, 'add `input:` with the input object, or `inputFile: <path>`');
    if (c.input !== undefined && c.inputFile !== undefined)
      problem([...p, 'inputFile'], `both \`input\` and \`inputFile\`${label}`, 'give one of them', true);
    if (c.input !== undefined && !isObject(c.input)) problem([...p, 'input'], `\`input\` must be a mapping, got ${typeName(c.input)}`);
    if (c.inputFile !== undefined && (typeof c.inputFile !== 'string' || c.inputFile === ''))
      problem([...p, 'inputFile'], '`inputFile` must be a path');
    if (c.now !== undefined) checkTime(c.now, [...p, 'now'], problem);
    if (c.policies !== undefined) stringList(c.policies, [...p, 'policies'], 'paths', problem, true, 1);
    if (c.state !== undefined) checkUsages(c.state, [...p, 'state'], problem);
    if (c.skip !== undefined && typeof c.skip !== 'boolean') problem([...p, 'skip'], '`skip` must be `true` or `false`');
    if (c.expect === undefined) {
      problem(p, `missing \`expect\`${label}`, 'add `expect:` with at least `effect: allow|deny|warn`');
      return;
    }
    checkExpect(c.expect, [...p, 'expect'], label, problem);
  });
}

function checkExpect(e: unknown, p: Path, label: string, problem: Problem): void {
  if (!isObject(e)) {
    problem(
      p,
      `\`expect\` must be a mapping, got ${typeName(e)}`,
      typeof e === 'string' && ['allow', 'deny', 'warn'].includes(e) ? `write \`expect: { effect: ${e} }\`` : undefined,
    );
    return;
  }
  unknownKeys(e, EXPECT_KEYS, p, ` in \`expect\`${label}`, problem);
  if (Object.keys(e).length === 0)
    problem(p, `\`expect\` is empty${label}`, 'add `effect: allow|deny|warn`, `rules`, `reasons`, `obligations` or `errors`');
  if (e.effect !== undefined && !['allow', 'deny', 'warn'].includes(e.effect as string)) {
    problem([...p, 'effect'], `\`effect\` must be \`allow\`, \`deny\` or \`warn\`, got \`${String(e.effect)}\``);
  }
  if (e.rules !== undefined) stringList(e.rules, [...p, 'rules'], 'rule ids', problem, true);
  if (e.notRules !== undefined) stringList(e.notRules, [...p, 'notRules'], 'rule ids', problem, true);
  if (e.reasons !== undefined) stringList(e.reasons, [...p, 'reasons'], 'strings', problem, false);
  if (e.obligations !== undefined) {
    if (!Array.isArray(e.obligations))
      problem(
        [...p, 'obligations'],
        '`obligations` must be a list of mappings',
        isObject(e.obligations) ? 'write it as a list item: `- <key>: <value>`' : undefined,
      );
    else {
      e.obligations.forEach((o: unknown, i) => {
        if (!isObject(o) || Object.keys(o).length === 0)
          problem(
            [...p, 'obligations', i],
            `an obligation must be a mapping such as \`route: { model: gpt-4o }\`, got ${isObject(o) ? 'an empty mapping' : typeName(o)}`,
          );
      });
    }
  }
  if (e.errors !== undefined) {
    if (!Array.isArray(e.errors)) problem([...p, 'errors'], '`errors` must be a list of error codes');
    else {
      e.errors.forEach((x: unknown, i) => {
        if (typeof x !== 'string' || !(EVALUATION_ERROR_CODES as readonly string[]).includes(x)) {
          const near = typeof x === 'string' ? closest(x, EVALUATION_ERROR_CODES) : undefined;
          problem(
            [...p, 'errors', i],
            `unknown evaluation error code \`${String(x)}\``,
            near ? `did you mean \`${near}\`?` : `codes: ${EVALUATION_ERROR_CODES.map((c) => `\`${c}\``).join(', ')}`,
          );
        }
      });
    }
  }
}
