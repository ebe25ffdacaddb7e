// The cel-spec conformance tests, flattened to one case per test, and the runner for a case:
// through the compiler (what users get) and through the reference interpreter (which must agree).
//
// The data is the JSON form of cel.expr.conformance.test.SimpleTest that @bufbuild/cel-spec
// ships; we read it as plain JSON so the runner needs no protobuf runtime.

import { tests } from '@bufbuild/cel-spec/testdata/conformance.js';
import { compileSource } from '../../src/compile/expression.js';
import { compile, newFrame, type Notes } from '../../src/compile/compile.js';
import { Unit } from '../../src/compile/codegen/expr.js';
import { codegenAllowed, instantiate } from '../../src/compile/codegen/load.js';
import { RUNTIME } from '../../src/compile/codegen/runtime.js';
import { OP, type Expr } from '../../src/lang/ast.js';
import { DEFAULT_LIMITS } from '../../src/compile/limits.js';
import { check, type CType } from '../../src/lang/checker.js';
import { EvaluationError } from '../../src/lang/errors.js';
import { interpret } from '../../src/lang/interpret.js';
import { ParseError } from '../../src/lang/parse-error.js';
import { parse } from '../../src/lang/parser.js';
import type { Registry } from '../../src/lang/registry.js';
import { fromValue, sameValue, show, Unrepresentable, type JsonValue } from './values.js';

type Obj = { [k: string]: JsonValue };

export interface Case {
  file: string;
  section: string;
  name: string;
  /** `file/section/name`, what the skip list matches. */
  id: string;
  /** The SimpleTest in JSON form. */
  test: Obj;
}

/** The files of the suite in their order, each with its cases. */
export function loadSuite(): Map<string, Case[]> {
  const out = new Map<string, Case[]>();
  for (const file of tests.suites ?? []) {
    const cases: Case[] = [];
    for (const section of file.suites ?? []) {
      for (const t of section.tests ?? []) {
        const test = t.original as unknown as Obj;
        const name = (test.name as string | undefined) ?? (test.expr as string);
        cases.push({ file: file.name, section: section.name, name, id: `${file.name}/${section.name}/${name}`, test });
      }
    }
    out.set(file.name, cases);
  }
  return out;
}

/** What running an expression gave: a value, or an error at load (parse/check) or at evaluation. */
export type Result = { kind: 'value'; value: unknown } | { kind: 'error'; stage: 'load' | 'eval'; code: string; message: string };

export interface Verdict {
  pass: boolean;
  /** Why it failed (expected vs actual). */
  message: string;
  result: Result;
}

/** cel.expr.Type (JSON form) of a type_env declaration as a checker type. */
function declType(t: Obj | undefined): CType {
  if (!t) return { kind: 'dyn' };
  if ('primitive' in t) {
    const p: Record<string, string> = { BOOL: 'bool', INT64: 'int', UINT64: 'uint', DOUBLE: 'double', STRING: 'string', BYTES: 'bytes' };
    return { kind: p[t.primitive as string] ?? 'dyn' };
  }
  if ('listType' in t) return { kind: 'list' };
  if ('mapType' in t) return { kind: 'map' };
  if ('null' in t) return { kind: 'null_type' };
  if ('wellKnown' in t) return { kind: t.wellKnown === 'TIMESTAMP' ? 'timestamp' : t.wellKnown === 'DURATION' ? 'duration' : 'dyn' };
  if ('messageType' in t) {
    if (t.messageType === 'google.protobuf.Timestamp') return { kind: 'timestamp' };
    if (t.messageType === 'google.protobuf.Duration') return { kind: 'duration' };
    throw new Unrepresentable(`declaration of a protobuf message type ${String(t.messageType)}`);
  }
  return { kind: 'dyn' };
}

/** The declared variables (type_env) and the bound values (bindings) of a case. */
function environment(c: Case): { variables: Map<string, CType>; bindings: Record<string, unknown> } {
  const variables = new Map<string, CType>();
  for (const d of (c.test.typeEnv ?? []) as Obj[]) {
    if (!('ident' in d)) throw new Unrepresentable('type_env declares a function');
    variables.set(d.name as string, declType((d.ident as Obj).type as Obj | undefined));
  }
  const bindings: Record<string, unknown> = {};
  for (const [name, ev] of Object.entries((c.test.bindings ?? {}) as Obj)) {
    const v = ev as Obj;
    if (!('value' in v)) throw new Unrepresentable('binding to an error or unknown set');
    bindings[name] = fromValue(v.value as Obj);
    // A bound name the checker should know about, so `a.b.c` resolves as one name.
    if (!variables.has(name)) variables.set(name, { kind: 'dyn' });
  }
  return { variables, bindings };
}

/** The expected outcome: a value, or `error` (any evaluation or load error). */
export function expected(c: Case): { value: unknown } | 'error' {
  const t = c.test;
  if ('evalError' in t) return 'error';
  if ('value' in t) return { value: fromValue(t.value as Obj) };
  if ('typedResult' in t) return { value: fromValue((t.typedResult as Obj).result as Obj) };
  if ('unknown' in t || 'anyEvalErrors' in t || 'anyUnknowns' in t) throw new Unrepresentable('unknown-set results');
  return { value: true }; // SimpleTest: no result matcher means the value `true`
}

function errorResult(e: unknown, stage: 'load' | 'eval'): Result {
  if (e instanceof EvaluationError) return { kind: 'error', stage, code: e.code, message: e.message };
  if (e instanceof ParseError) return { kind: 'error', stage: 'load', code: e.code, message: e.message };
  throw e; // a crash (TypeError, ...) is a bug, never an expected error
}

/** Through the compiler, the way the engine compiles an expression. */
export function runCompiled(c: Case, registry: Registry): Result {
  const { variables, bindings } = environment(c);
  const varSlots = { n: 0 };
  const r = compileSource(c.test.expr as string, { registry, variables, varSlots, purity: { clock: false, state: false } });
  if (!r.ev) {
    const i = r.issues[0]!;
    return { kind: 'error', stage: 'load', code: i.code, message: i.message };
  }
  try {
    const frame = newFrame(bindings, 0, varSlots.n, DEFAULT_LIMITS.maxSteps, () => Date.UTC(2024, 0, 1));
    return { kind: 'value', value: r.ev(frame) };
  } catch (e) {
    return errorResult(e, 'eval');
  }
}

/** Through parse + check + the reference interpreter. */
export function runInterpreted(c: Case, registry: Registry): Result {
  const { variables, bindings } = environment(c);
  let ast: Expr;
  try {
    ast = parse(c.test.expr as string);
  } catch (e) {
    return errorResult(e, 'load');
  }
  const checked = check(ast, { registry, variables });
  if (checked.issues.length > 0) {
    const i = checked.issues[0]!;
    return { kind: 'error', stage: 'load', code: i.code, message: i.message };
  }
  try {
    return {
      kind: 'value',
      value: interpret(checked.expr, { registry, lookup: (n) => (Object.hasOwn(bindings, n) ? bindings[n] : undefined) }),
    };
  } catch (e) {
    return errorResult(e, 'eval');
  }
}

/**
 * Through the code generator (src/compile/codegen), folded (`unfolded` false) or with every
 * literal a variable; undefined where this runtime refuses code generation or the case does
 * not load.
 */
export function runGenerated(c: Case, registry: Registry, unfolded: boolean): Result | undefined {
  if (!codegenAllowed()) return undefined;
  const { variables, bindings } = environment(c);
  let ast: Expr;
  try {
    ast = parse(c.test.expr as string);
  } catch {
    return undefined;
  }
  const checked = check(ast, { registry, variables });
  if (checked.issues.length > 0) return undefined;
  const input: Record<string, unknown> = { ...bindings };
  const expr = unfolded ? hideLiterals(checked.expr, input) : checked.expr;
  const varSlots = { n: 0 };
  const issues: { message: string }[] = [];
  const notes: Notes = new Map();
  compile(expr, { registry, varSlots, notes, issues: issues as never, purity: { clock: false, state: false } });
  if (issues.length > 0) return undefined;
  const unit = new Unit(notes);
  unit.fn('C', expr);
  const ev = instantiate<(f: unknown) => unknown>(
    unit.source('C'),
    RUNTIME,
    unit.sites.map((x) => x.impl),
  );
  try {
    return { kind: 'value', value: ev(newFrame(input, 0, varSlots.n, DEFAULT_LIMITS.maxSteps, () => Date.UTC(2024, 0, 1))) };
  } catch (e) {
    return errorResult(e, 'eval');
  }
}

/**
 * Through the compiler with every literal turned into a variable, so nothing folds at load
 * time and the compiler's run-time paths (the fast paths for non-constant operands) run.
 */
export function runUnfolded(c: Case, registry: Registry): Result | undefined {
  const { variables, bindings } = environment(c);
  let ast: Expr;
  try {
    ast = parse(c.test.expr as string);
  } catch {
    return undefined;
  }
  const checked = check(ast, { registry, variables });
  if (checked.issues.length > 0) return undefined;
  const input: Record<string, unknown> = { ...bindings };
  const expr = hideLiterals(checked.expr, input);
  const varSlots = { n: 0 };
  const issues: { message: string }[] = [];
  const ev = compile(expr, { registry, varSlots, issues: issues as never, purity: { clock: false, state: false } });
  try {
    return { kind: 'value', value: ev(newFrame(input, 0, varSlots.n, DEFAULT_LIMITS.maxSteps, () => Date.UTC(2024, 0, 1))) };
  } catch (e) {
    return errorResult(e, 'eval');
  }
}

function hideLiterals(e: Expr, input: Record<string, unknown>): Expr {
  const h = (x: Expr) => hideLiterals(x, input);
  switch (e.k) {
    case 'lit': {
      const name = `$lit${Object.keys(input).length}`;
      input[name] = e.value;
      return { k: 'ident', pos: e.pos, name };
    }
    case 'ident':
      return e;
    case 'select':
      return { ...e, target: h(e.target) };
    case 'call':
      // the field of `a.?f` is a name, written as a string literal
      if (e.fn === OP.optSelect) return { ...e, args: [h(e.args[0]!), e.args[1]!] };
      return { ...e, target: e.target && h(e.target), args: e.args.map(h) };
    case 'list':
      return { ...e, elems: e.elems.map(h) };
    case 'map':
      return { ...e, entries: e.entries.map((x) => ({ key: h(x.key), value: h(x.value) })) };
    case 'macro':
      return { ...e, target: h(e.target), body: h(e.body), transform: e.transform && h(e.transform) };
  }
}

export function showResult(r: Result): string {
  return r.kind === 'value' ? show(r.value) : `${r.stage} error ${r.code}: ${r.message}`;
}

/** Judges a case. An expected error may come at load or at evaluation (we cannot turn checking off). */
export function judge(c: Case, registry: Registry): Verdict {
  const want = expected(c);
  const result = runCompiled(c, registry);
  if (want === 'error') {
    const pass = result.kind === 'error';
    return { pass, result, message: pass ? '' : `expected an error, got ${showResult(result)}` };
  }
  const pass = result.kind === 'value' && sameValue(want.value, result.value);
  return { pass, result, message: pass ? '' : `expected ${show(want.value)}, got ${showResult(result)}` };
}

/** Whether the compiler and the reference interpreter agree (same value, or errors with the same code). */
export function agree(a: Result, b: Result): boolean {
  if (a.kind === 'value' && b.kind === 'value') return sameValue(a.value, b.value);
  if (a.kind === 'error' && b.kind === 'error') return a.stage === b.stage && a.code === b.code;
  return false;
}
