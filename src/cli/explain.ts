// `eval --explain`: the engine's trace, with the value of every interesting sub-expression of
// each condition, from a tracing run of the reference interpreter (src/testing/coverage.ts).

import type { Decision, Registry, StateStore } from '../entries/index.js';
import { OP, pathOf, type Expr } from '../lang/ast.js';
import { print } from '../lang/print.js';
import { printValue } from '../lang/print-value.js';
import { PolicyTracer, children, type Outcome, type PreparedExpr, type PreparedPolicy } from '../testing/coverage.js';
import type { Colors } from './io.js';

export interface ExplainNode {
  expr: string;
  /** The value in CEL syntax, when evaluated without error. */
  value?: string;
  error?: string;
  evaluated: boolean;
  children: ExplainNode[];
}

export interface ExplainRule {
  rule: string;
  result: boolean | 'error';
  error?: string;
  condition?: ExplainNode;
}

export interface ExplainPolicy {
  policy: string;
  applicable: boolean | 'error';
  effect: string | undefined;
  target?: ExplainNode;
  lets: Record<string, string>;
  rules: ExplainRule[];
}

const isLiteralTree = (e: Expr): boolean =>
  e.k === 'lit' ||
  (e.k === 'list' && e.elems.every(isLiteralTree)) ||
  (e.k === 'map' && e.entries.every((x) => isLiteralTree(x.key) && isLiteralTree(x.value)));

/** The sub-expressions worth showing under a node. */
function shown(e: Expr): Expr[] {
  if (pathOf(e) || (e.k === 'select' && e.test) || e.k === 'ident') return [];
  if (e.k === 'call' && e.target === undefined && (e.fn === OP.and || e.fn === OP.or)) {
    const out: Expr[] = [];
    const collect = (x: Expr) => {
      if (x.k === 'call' && x.fn === e.fn && x.target === undefined) x.args.forEach(collect);
      else out.push(x);
    };
    collect(e);
    return out.filter((x) => !isLiteralTree(x));
  }
  if (e.k === 'macro') return isLiteralTree(e.target) || e.macro === 'bind' ? [] : [e.target];
  return children(e).filter((x) => !isLiteralTree(x));
}

function clip(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}

function build(e: Expr, seen: Map<Expr, Outcome>, depth: number): ExplainNode {
  const o = seen.get(e);
  const node: ExplainNode = { expr: print(e), evaluated: o !== undefined, children: [] };
  if (o?.ok) node.value = printValue(o.value, 200);
  else if (o) node.error = o.error.message;
  if (o && depth < 12) node.children = shown(e).map((x) => build(x, seen, depth + 1));
  return node;
}

/** Sub-expression values of one expression, evaluated with the tracer. */
export function explainExpression(tracer: PolicyTracer, e: PreparedExpr): ExplainNode {
  const seen = new Map<Expr, Outcome>();
  tracer.evaluate(e, (node, outcome) => {
    if (!seen.has(node)) seen.set(node, outcome);
  });
  return build(e.ast, seen, 0);
}

export function explainDecision(
  decision: Decision,
  policies: PreparedPolicy[],
  input: unknown,
  registry: Registry,
  nowMs: number,
  state?: StateStore,
): ExplainPolicy[] {
  const out: ExplainPolicy[] = [];
  for (const pt of decision.trace?.policies ?? []) {
    const p = policies.find((x) => x.key === pt.policy);
    const ep: ExplainPolicy = { policy: pt.policy, applicable: pt.applicable, effect: pt.effect, lets: {}, rules: [] };
    for (const [k, v] of Object.entries(pt.lets)) ep.lets[k] = printValue(v, 200);
    if (p) {
      const tracer = new PolicyTracer(p, input, registry, () => nowMs, undefined, state);
      if (p.target) ep.target = explainExpression(tracer, p.target);
      for (const rt of pt.rules) {
        const r = p.rules.find((x) => x.id === rt.rule);
        const er: ExplainRule = { rule: rt.rule, result: rt.result };
        if (rt.error) er.error = rt.error;
        if (r?.when) er.condition = explainExpression(tracer, r.when);
        ep.rules.push(er);
      }
    } else {
      for (const rt of pt.rules) ep.rules.push({ rule: rt.rule, result: rt.result, ...(rt.error ? { error: rt.error } : {}) });
    }
    out.push(ep);
  }
  return out;
}

function outcomeText(n: ExplainNode, c: Colors): string {
  if (!n.evaluated) return c.dim('(not evaluated)');
  if (n.error !== undefined) return c.red(`error: ${n.error}`);
  const v = n.value ?? '';
  return v === 'true' ? c.green(v) : v === 'false' ? c.yellow(v) : v;
}

function tree(n: ExplainNode, prefix: string, c: Colors, lines: string[]): void {
  n.children.forEach((ch, i) => {
    const last = i === n.children.length - 1;
    lines.push(`${prefix}${c.dim(last ? '└─ ' : '├─ ')}${clip(ch.expr, 90)} ${c.dim('→')} ${outcomeText(ch, c)}`);
    tree(ch, prefix + (last ? '   ' : c.dim('│  ')), c, lines);
  });
}

/** The explanation as a readable tree. */
export function formatExplain(policies: ExplainPolicy[], durationMs: number | undefined, c: Colors): string {
  const lines: string[] = [];
  lines.push(c.bold(`explain${durationMs !== undefined ? ` (${durationMs.toFixed(3)} ms)` : ''}:`));
  if (policies.length === 0) lines.push('  (no policies)');
  for (const p of policies) {
    const applies = p.applicable === true ? 'applies' : p.applicable === false ? 'does not apply (target false)' : 'target failed';
    lines.push(`${c.bold(p.policy)}  ${c.dim(applies)}${p.effect ? ` ${c.dim('→')} ${effectText(p.effect, c)}` : ''}`);
    if (p.target) {
      lines.push(`  target: ${clip(p.target.expr, 100)} ${c.dim('→')} ${outcomeText(p.target, c)}`);
      tree(p.target, '    ', c, lines);
    }
    for (const [k, v] of Object.entries(p.lets)) lines.push(`  let ${k} = ${v}`);
    for (const r of p.rules) {
      const res = r.result === 'error' ? c.red(`error: ${r.error ?? ''}`) : r.result ? c.green('true') : c.yellow('false');
      lines.push(`  rule ${c.bold(r.rule)} ${c.dim('→')} ${res}`);
      if (r.condition) {
        lines.push(`    ${clip(r.condition.expr, 100)} ${c.dim('→')} ${outcomeText(r.condition, c)}`);
        tree(r.condition, '    ', c, lines);
      } else lines.push(`    ${c.dim('(no condition)')}`);
    }
  }
  return lines.join('\n');
}

export function effectText(effect: string, c: Colors): string {
  return effect === 'deny' ? c.red(effect) : effect === 'warn' ? c.yellow(effect) : c.green(effect);
}
