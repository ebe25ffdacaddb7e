// Sub-expression values and coverage, from the reference interpreter (src/lang/interpret.ts).
//
// traceExpression runs the interpreter over a copy of a checked AST in which every non-literal
// node is replaced by a call of a hidden tracing function. That function evaluates the
// original node, itself through the interpreter (with its children replaced the same way),
// records the value or the error, and returns or rethrows it. Every node is therefore
// evaluated by the interpreter's own code, short-circuits and error absorption included, and
// the compiled closures the engine uses are left untouched.
//
// On top of it: PolicyTracer evaluates the expressions of loaded policies (lets lazily, as
// the engine does) and CoverageCollector counts, across many decisions, which rules were
// true or false and which operands of `&&`/`||` and which branches of `?:` were exercised.
// Runtime-neutral: used by the CLI (`llm-policy test --coverage`, `eval --explain`).

import { OP, macroVars, type Expr } from '../lang/ast.js';
import { check, type CType, type JsonSchema } from '../lang/checker.js';
import { EvaluationError, SourceText, toEvaluationError } from '../lang/errors.js';
import { interpret } from '../lang/interpret.js';
import * as ops from '../lang/operators.js';
import { parse } from '../lang/parser.js';
import { print } from '../lang/print.js';
import type { Registry } from '../lang/registry.js';
import { CelTimestamp } from '../lang/values.js';
import type { Decision } from '../decide/engine.js';
import { parsePolicyText } from '../policy/parse.js';
import { compose, type ComposeEntry } from '../policy/compose.js';
import type { StateHost, StateStore } from '../decide/state.js';
import type { ExprSource } from '../policy/types.js';

export type Outcome = { ok: true; value: unknown } | { ok: false; error: EvaluationError };

export interface TraceEnv {
  registry: Registry;
  /** Value of a variable, or undefined when it is not bound. May throw an EvaluationError. */
  lookup(name: string): unknown;
  maxSteps?: number;
  /** Passed to 'state' functions: the engine's state store and clock (see StateHost). */
  host?: unknown;
}

/** Receives the outcome of every non-literal node each time it is evaluated. */
export type Observer = (node: Expr, outcome: Outcome) => void;

const TRACE_FN = '__llm_policy_trace';

interface NodeRecord {
  orig: Expr;
  inst: Expr;
  /** Macro variables in scope at the node, passed to the tracing call as arguments. */
  vars: string[];
  ctx: TraceContext;
}

interface TraceContext {
  env: TraceEnv;
  registry: Registry;
  observe: Observer;
}

const traced = new WeakMap<Registry, Registry>();

/** The registry plus the hidden tracing function. */
function tracingRegistry(base: Registry): Registry {
  let r = traced.get(base);
  if (!r) {
    r = base.clone();
    r.add({
      name: TRACE_FN,
      category: 'internal',
      description: 'evaluates and records one node (coverage and explain only)',
      purity: 'pure',
      overloads: [{ id: TRACE_FN, params: ['dyn'], result: 'dyn', impl: traceCall }],
    });
    traced.set(base, r);
  }
  return r;
}

function traceCall(rec: NodeRecord, ...vals: unknown[]): unknown {
  const { ctx } = rec;
  const bound = new Map<string, unknown>();
  rec.vars.forEach((v, i) => {
    bound.set(v, vals[i]);
  });
  let value: unknown;
  try {
    value = interpret(rec.inst, {
      registry: ctx.registry,
      lookup: (name) => (bound.has(name) ? bound.get(name) : ctx.env.lookup(name)),
      ...(ctx.env.maxSteps !== undefined ? { maxSteps: ctx.env.maxSteps } : {}),
      ...(ctx.env.host !== undefined ? { host: ctx.env.host } : {}),
    });
  } catch (err) {
    const error = toEvaluationError(err, rec.orig.pos);
    ctx.observe(rec.orig, { ok: false, error });
    throw error;
  }
  ctx.observe(rec.orig, { ok: true, value });
  return value;
}

/** Evaluates a checked expression with the reference interpreter, reporting every sub-expression. */
export function traceExpression(ast: Expr, env: TraceEnv, observe: Observer): Outcome {
  const ctx: TraceContext = { env, registry: tracingRegistry(env.registry), observe };
  const wrap = (e: Expr, vars: string[]): Expr => {
    if (e.k === 'lit') return e;
    let inst: Expr;
    switch (e.k) {
      case 'ident':
        inst = e;
        break;
      case 'select':
        inst = { ...e, target: wrap(e.target, vars) };
        break;
      case 'list':
        inst = { ...e, elems: e.elems.map((x) => wrap(x, vars)) };
        break;
      case 'map':
        inst = { ...e, entries: e.entries.map((x) => ({ key: wrap(x.key, vars), value: wrap(x.value, vars) })) };
        break;
      case 'macro': {
        const own = macroVars(e);
        const inner = [...vars.filter((v) => !own.includes(v)), ...own];
        inst = { ...e, target: wrap(e.target, vars), body: wrap(e.body, inner), transform: e.transform && wrap(e.transform, inner) };
        break;
      }
      case 'call':
        inst = { ...e, target: e.target && wrap(e.target, vars), args: e.args.map((x) => wrap(x, vars)) };
        break;
    }
    const rec: NodeRecord = { orig: e, inst, vars, ctx };
    return {
      k: 'call',
      pos: e.pos,
      fn: TRACE_FN,
      target: undefined,
      args: [{ k: 'lit', pos: e.pos, value: rec }, ...vars.map((name): Expr => ({ k: 'ident', pos: e.pos, name }))],
    };
  };
  const root = wrap(ast, []);
  try {
    const value = interpret(root, {
      registry: ctx.registry,
      lookup: env.lookup,
      ...(env.maxSteps !== undefined ? { maxSteps: env.maxSteps } : {}),
      ...(env.host !== undefined ? { host: env.host } : {}),
    });
    if (ast.k === 'lit') observe(ast, { ok: true, value });
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: toEvaluationError(err, ast.pos) };
  }
}

// ------------------------------------------------------------------ policies

/** One expression of a policy, parsed and checked as the engine does. */
export interface PreparedExpr {
  text: string;
  ast: Expr;
  source: ExprSource;
  /** Where the expression starts in its file (1-based). */
  line: number;
  column: number;
}

export interface PreparedRule {
  id: string;
  when: PreparedExpr | undefined;
  line: number;
  column: number;
}

export interface PreparedPolicy {
  /** `namespace/name`, as in decision traces. */
  key: string;
  name: string;
  namespace: string;
  file: string | undefined;
  line: number;
  target: PreparedExpr | undefined;
  lets: Map<string, PreparedExpr>;
  rules: PreparedRule[];
  /** File position of an offset into one of this policy's expressions. */
  position(source: ExprSource, pos: number): { line: number; column: number };
}

export interface PrepareOptions {
  registry: Registry;
  inputSchema?: JsonSchema;
}

/**
 * Parses and checks every expression of the given policy files. Files or expressions with
 * problems are left out (the engine refuses to load them anyway).
 */
export function preparePolicies(files: { text: string; filename?: string }[], options: PrepareOptions): PreparedPolicy[] {
  const out: PreparedPolicy[] = [];
  // the files together, so a policy sees the lets it imports and a base the rules of its extensions
  const entries: ComposeEntry[] = [];
  for (const f of files) {
    const source = new SourceText(f.text);
    for (const raw of parsePolicyText(f.text, f.filename).policies) entries.push({ key: `${raw.namespace}/${raw.name}`, raw, source });
  }
  const composed = compose(entries, []);
  for (const { key, raw: own, source: src } of entries) {
    const raw = composed.get(key)?.raw ?? own;
    if (raw.kind !== 'Policy' || raw.extends !== undefined) continue;
    {
      // an imported let or an extension's rule was written in another file
      const sourceOf = new Map<ExprSource, SourceText>();
      const variables = new Map<string, CType>(raw.lets.map((l) => [l.name, { kind: 'dyn' }]));
      const prep = (es: ExprSource, from: SourceText = src): PreparedExpr | undefined => {
        try {
          const checked = check(parse(es.text), {
            registry: options.registry,
            variables,
            ...(options.inputSchema ? { inputSchema: options.inputSchema } : {}),
          });
          if (checked.issues.length > 0) return undefined;
          sourceOf.set(es, from);
          const at = from.position(es.offsets[firstToken(es.text)] ?? 0);
          return { text: es.text, ast: checked.expr, source: es, line: at.line, column: at.column };
        } catch {
          return undefined;
        }
      };
      const lets = new Map<string, PreparedExpr>();
      for (const l of raw.lets) {
        const p = prep(l.expr, l.source);
        if (p) lets.set(l.name, p);
      }
      const start = src.position(raw.offset);
      out.push({
        key: `${raw.namespace}/${raw.name}`,
        name: raw.name,
        namespace: raw.namespace,
        file: raw.file,
        line: start.line,
        target: raw.target ? prep(raw.target) : undefined,
        lets,
        rules: raw.rules.map((r) => ({
          id: r.id,
          when: r.when ? prep(r.when, r.source) : undefined,
          ...(r.source ?? src).position(r.offset),
        })),
        position: (source, pos) => (sourceOf.get(source) ?? src).position(source.offsets[Math.min(pos, source.offsets.length - 1)] ?? 0),
      });
    }
  }
  return out;
}

function firstToken(text: string): number {
  const m = /\S/.exec(text);
  return m ? m.index : 0;
}

/** Evaluates the expressions of one policy for one input, as the engine would see them. */
export class PolicyTracer {
  private readonly letValues = new Map<string, Outcome>();
  private readonly input: Record<string, unknown>;
  private nowValue: CelTimestamp | undefined;
  private readonly host: StateHost;

  constructor(
    readonly policy: PreparedPolicy,
    input: unknown,
    private readonly registry: Registry,
    private readonly clock: () => number,
    /** Called for nodes of `let` expressions, with the let's name. */
    private readonly observeLet: (name: string, node: Expr, outcome: Outcome) => void = () => {},
    /** The state store the engine decides with, for `rate.*` and `budget.*`. */
    state?: StateStore,
  ) {
    this.input = (typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
    this.host = { state, clock, reads: undefined };
  }

  /** The let values computed so far. */
  lets(): Map<string, Outcome> {
    return this.letValues;
  }

  evaluate(expr: PreparedExpr, observe: Observer = () => {}): Outcome {
    return traceExpression(expr.ast, { registry: this.registry, lookup: (n) => this.lookup(n), host: this.host }, observe);
  }

  private lookup(name: string): unknown {
    const l = this.policy.lets.get(name);
    if (l) {
      let o = this.letValues.get(name);
      if (!o) {
        // a cycle is a load error, so this cannot recurse forever on a loaded policy
        this.letValues.set(name, { ok: false, error: new EvaluationError('internal', `\`let\` ${name} refers to itself`) });
        o = this.evaluate(l, (node, outcome) => this.observeLet(name, node, outcome));
        this.letValues.set(name, o);
      }
      if (!o.ok) throw o.error;
      return o.value;
    }
    if (name === 'now') return (this.nowValue ??= CelTimestamp.fromMillis(this.clock()));
    const direct = !(name in Object.prototype);
    const v = direct || Object.prototype.hasOwnProperty.call(this.input, name) ? this.input[name] : undefined;
    return v === undefined ? undefined : ops.fromHost(v);
  }
}

// ------------------------------------------------------------------ coverage

export interface Counts {
  true: number;
  false: number;
  error: number;
}

export interface RuleCoverage extends Counts {
  rule: string;
  line: number;
  column: number;
  /** Whether the rule has a condition (without one it always holds). */
  conditional: boolean;
  /** Decisions that evaluated the rule. */
  evaluated: number;
  /** Decisions in which the rule was matched (listed in `decision.matched`). */
  fired: number;
}

export interface BranchCoverage extends Counts {
  /** `rule <id>`, `let <name>` or `target`. */
  in: string;
  /** `&&`/`||`: an operand of the chain, counted true/false; `?:`: its condition (true: the first branch). */
  kind: '&&' | '||' | '?:';
  expr: string;
  line: number;
  column: number;
  covered: number;
  points: number;
}

export interface PolicyCoverage {
  policy: string;
  file: string | undefined;
  line: number;
  target: (Counts & { line: number; column: number }) | undefined;
  rules: RuleCoverage[];
  branches: BranchCoverage[];
  covered: number;
  points: number;
  percent: number;
}

export interface CoverageReport {
  policies: PolicyCoverage[];
  covered: number;
  points: number;
  percent: number;
}

interface PolicyState {
  policy: PreparedPolicy;
  target: Counts | undefined;
  rules: Map<string, RuleCoverage>;
  /** Branch points in source order (see branchesOf). */
  order: BranchCoverage[];
}

const zero = (): Counts => ({ true: 0, false: 0, error: 0 });

/**
 * Counts, over many decisions, what the policies' conditions did. Feed it every decision made
 * with `{ explain: true }` (the trace says which rules the engine evaluated) and the input.
 */
export class CoverageCollector {
  private readonly states = new Map<string, PolicyState>();
  /** Branch points by AST node, per prepared copy of a policy (the same file may be prepared more than once). */
  private readonly nodes = new WeakMap<PreparedPolicy, Map<Expr, BranchCoverage>>();

  constructor(private readonly registry: Registry) {}

  /** Registers policies (so policies never evaluated show as uncovered). Idempotent per file and key. */
  add(policies: PreparedPolicy[]): void {
    for (const p of policies) {
      const id = stateKey(p.file, p.key);
      if (this.states.has(id)) continue;
      const st: PolicyState = { policy: p, target: p.target ? zero() : undefined, rules: new Map(), order: [] };
      for (const r of p.rules) {
        // a rule whose condition is a constant (`when: true`) can only be evaluated, not both ways
        st.rules.set(r.id, {
          rule: r.id,
          line: r.line,
          column: r.column,
          conditional: r.when !== undefined && r.when.ast.k !== 'lit',
          evaluated: 0,
          fired: 0,
          ...zero(),
        });
      }
      for (const { where, e, b } of branchesOf(p)) {
        const at = p.position(e.source, startPos(b.node));
        const bc: BranchCoverage = {
          in: where,
          kind: b.kind,
          expr: clip(print(b.node), 60),
          line: at.line,
          column: at.column,
          covered: 0,
          points: 2,
          ...zero(),
        };
        st.order.push(bc);
      }
      this.nodes.set(p, nodeMap(p, st.order));
      this.states.set(id, st);
    }
  }

  /**
   * Records one decision. `policies` are the prepared policies the engine was loaded with,
   * `decision` was made with `{ explain: true }` for `input` at `nowMs`, with `state` as the
   * engine's state store.
   */
  record(policies: PreparedPolicy[], decision: Decision, input: unknown, nowMs: number, state?: StateStore): void {
    this.add(policies);
    const trace = decision.trace;
    if (!trace) throw new Error('coverage needs decisions made with { explain: true }');
    const byKey = new Map(policies.map((p) => [p.key, p]));
    for (const pt of trace.policies) {
      const p = byKey.get(pt.policy);
      if (!p) continue;
      const st = this.states.get(stateKey(p.file, p.key))!;
      let points = this.nodes.get(p);
      if (!points) this.nodes.set(p, (points = nodeMap(p, st.order)));
      const observe: Observer = (node, outcome) => {
        const bc = points.get(node);
        if (!bc) return;
        if (!outcome.ok) bc.error++;
        else if (outcome.value === true) bc.true++;
        else if (outcome.value === false) bc.false++;
        else bc.error++; // not a bool: the operator fails
      };
      const tracer = new PolicyTracer(
        p,
        input,
        this.registry,
        () => nowMs,
        (_name, node, outcome) => observe(node, outcome),
        state,
      );
      if (p.target && st.target) {
        if (pt.applicable === 'error') st.target.error++;
        else st.target[pt.applicable ? 'true' : 'false']++;
        tracer.evaluate(p.target, observe);
      }
      for (const rt of pt.rules) {
        const rc = st.rules.get(rt.rule);
        if (!rc) continue;
        rc.evaluated++;
        if (rt.result === 'error') rc.error++;
        else rc[rt.result ? 'true' : 'false']++;
        const r = p.rules.find((x) => x.id === rt.rule);
        if (r?.when) tracer.evaluate(r.when, observe);
      }
    }
    for (const m of decision.matched) {
      const p = policies.find((x) => x.name === m.policy && x.namespace === m.namespace);
      const rc = p && this.states.get(stateKey(p.file, p.key))?.rules.get(m.rule);
      if (rc) rc.fired++;
    }
  }

  report(): CoverageReport {
    const policies: PolicyCoverage[] = [];
    let covered = 0;
    let points = 0;
    for (const st of this.states.values()) {
      let c = 0;
      let n = 0;
      const t = st.target;
      if (t) {
        n += 2;
        c += (t.true > 0 ? 1 : 0) + (t.false > 0 ? 1 : 0);
      }
      const rules = [...st.rules.values()].map((r) => ({ ...r }));
      for (const r of rules) {
        if (r.conditional) {
          n += 2;
          c += (r.true > 0 ? 1 : 0) + (r.false > 0 ? 1 : 0);
        } else {
          n += 1;
          c += r.evaluated > 0 ? 1 : 0;
        }
      }
      const branches = st.order.map((b) => ({ ...b, covered: (b.true > 0 ? 1 : 0) + (b.false > 0 ? 1 : 0) }));
      for (const b of branches) {
        n += b.points;
        c += b.covered;
      }
      const pc: PolicyCoverage = {
        policy: st.policy.key,
        file: st.policy.file,
        line: st.policy.line,
        target: t && st.policy.target ? { ...t, line: st.policy.target.line, column: st.policy.target.column } : undefined,
        rules,
        branches,
        covered: c,
        points: n,
        percent: percent(c, n),
      };
      policies.push(pc);
      covered += c;
      points += n;
    }
    policies.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.line - b.line);
    return { policies, covered, points, percent: percent(covered, points) };
  }
}

/** Every branch point of a policy, in a fixed order: target, lets, rules. */
function branchesOf(p: PreparedPolicy): { where: string; e: PreparedExpr; b: { node: Expr; kind: '&&' | '||' | '?:' } }[] {
  const out: { where: string; e: PreparedExpr; b: { node: Expr; kind: '&&' | '||' | '?:' } }[] = [];
  const add = (where: string, e: PreparedExpr | undefined) => {
    if (e) for (const b of branchPoints(e.ast)) out.push({ where, e, b });
  };
  add('target', p.target);
  for (const [name, e] of p.lets) add(`let ${name}`, e);
  for (const r of p.rules) add(`rule ${r.id}`, r.when);
  return out;
}

/** This copy's AST nodes mapped to the registered branch points (same text, same order). */
function nodeMap(p: PreparedPolicy, order: BranchCoverage[]): Map<Expr, BranchCoverage> {
  const m = new Map<Expr, BranchCoverage>();
  branchesOf(p).forEach(({ b }, i) => {
    if (order[i]) m.set(b.node, order[i]);
  });
  return m;
}

function stateKey(file: string | undefined, key: string): string {
  return `${file ?? ''}\u0000${key}`;
}

function percent(c: number, n: number): number {
  return n === 0 ? 100 : Math.floor((c / n) * 1000) / 10;
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** Operands of `&&`/`||` chains and conditions of `?:`, in source order. */
export function branchPoints(e: Expr): { node: Expr; kind: '&&' | '||' | '?:' }[] {
  const out: { node: Expr; kind: '&&' | '||' | '?:' }[] = [];
  const walk = (x: Expr): void => {
    if (x.k === 'call' && x.target === undefined && (x.fn === OP.and || x.fn === OP.or)) {
      const kind = x.fn === OP.and ? '&&' : '||';
      const operands: Expr[] = [];
      const collect = (y: Expr) => {
        if (y.k === 'call' && y.fn === x.fn && y.target === undefined) {
          for (const a of y.args) collect(a);
        } else operands.push(y);
      };
      collect(x);
      for (const o of operands) {
        out.push({ node: o, kind });
        walk(o);
      }
      return;
    }
    if (x.k === 'call' && x.fn === OP.cond && x.target === undefined) {
      out.push({ node: x.args[0]!, kind: '?:' });
      for (const a of x.args) walk(a);
      return;
    }
    for (const c of children(x)) walk(c);
  };
  walk(e);
  return out;
}

/** Direct sub-expressions, in source order. */
export function children(e: Expr): Expr[] {
  switch (e.k) {
    case 'lit':
    case 'ident':
      return [];
    case 'select':
      return [e.target];
    case 'list':
      return e.elems;
    case 'map':
      return e.entries.flatMap((x) => [x.key, x.value]);
    case 'macro':
      return e.transform ? [e.target, e.body, e.transform] : [e.target, e.body];
    case 'call':
      return e.target ? [e.target, ...e.args] : e.args;
  }
}

/** The smallest position in a subtree: about where its text starts. */
export function startPos(e: Expr): number {
  let p = e.pos;
  for (const c of children(e)) p = Math.min(p, startPos(c));
  return p;
}
