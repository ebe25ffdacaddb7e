// Compiles raw policy documents into the engine's executable form, turning every problem
// into an Issue that points into the policy file.

import type { Expr } from '../lang/ast.js';
import type { CheckIssue, CType, JsonSchema } from '../lang/checker.js';
import { SourceText, type Issue } from '../lang/errors.js';
import { printValue } from '../lang/print.js';
import type { Registry } from '../lang/registry.js';
import { CelOptional } from '../lang/values.js';
import type { Evaluator, Purity } from '../compile/compile.js';
import { compileSource } from '../compile/expression.js';
import type { Limits } from '../compile/limits.js';
import type { ExprSource, RawPolicy, TemplateSource } from './types.js';
import { buildIndex, type RuleIndex } from './rule-index.js';

export type Effect = 'allow' | 'deny' | 'warn';

export interface CompiledRule {
  id: string;
  effect: Effect;
  when: Evaluator | undefined;
  /** The condition's source, for explain output. */
  whenText: string | undefined;
  message: ((f: Parameters<Evaluator>[0]) => string) | undefined;
  obligations: readonly Record<string, unknown>[];
  priority: number;
}

export interface CompiledPolicy {
  key: string;
  name: string;
  namespace: string;
  version: string | undefined;
  combining: RawPolicy['combining'];
  default: RawPolicy['default'];
  onError: RawPolicy['onError'];
  target: Evaluator | undefined;
  lets: { name: string; cell: number }[];
  /** Rules in evaluation order (document order; by descending priority for `priority`). */
  rules: CompiledRule[];
  index: RuleIndex | undefined;
  purity: Purity;
  file: string | undefined;
  /** Every checked expression of the policy (target, lets, conditions, messages): what it reads. */
  asts: Expr[];
}

export interface PolicyCompileEnv {
  registry: Registry;
  limits: Limits;
  inputSchema?: JsonSchema;
  /** Let cells and macro slots are numbered across the whole policy set. */
  letEvals: Evaluator[];
  varSlots: { n: number };
}

export function compilePolicy(raw: RawPolicy, text: string, env: PolicyCompileEnv, issues: Issue[]): CompiledPolicy | undefined {
  const src = new SourceText(text);
  const before = issues.length;
  const purity: Purity = { clock: false, state: false };
  const report = (es: ExprSource, list: CheckIssue[]) => {
    for (const i of list) {
      const offset = es.offsets[Math.min(i.pos, es.offsets.length - 1)] ?? raw.offset;
      const issue: Issue = { code: i.code, message: i.message, offset, ...src.position(offset) };
      if (es.file !== undefined || raw.file !== undefined) issue.file = es.file ?? raw.file;
      if (i.hint) issue.hint = i.hint;
      issues.push(issue);
    }
  };

  // Lets: a cell each, visible to every expression of the policy (and to each other).
  const letCells = new Map<string, number>();
  for (const l of raw.lets) {
    letCells.set(l.name, env.letEvals.length);
    env.letEvals.push(() => {
      throw new Error('let evaluated before compilation finished');
    });
  }
  const variables = new Map<string, CType>([...letCells.keys()].map((n) => [n, { kind: 'dyn' }]));
  // A let that is a constant (a price table, an allow-list) is used as a literal by the
  // expressions compiled after it, so they fold and index against it.
  const letConsts = new Map<string, unknown>();
  const asts: Expr[] = [];
  const one = (es: ExprSource): { ev: Evaluator; ast: Expr; konst?: { value: unknown } } | undefined => {
    const r = compileSource(es.text, {
      registry: env.registry,
      lets: letCells,
      letConsts,
      letEvals: env.letEvals,
      purity,
      varSlots: env.varSlots,
      variables,
      inputSchema: env.inputSchema,
      limits: env.limits,
    });
    if (!r.ev || !r.ast) {
      report(es, r.issues);
      return undefined;
    }
    asts.push(r.ast);
    return r.konst ? { ev: r.ev, ast: r.ast, konst: r.konst } : { ev: r.ev, ast: r.ast };
  };

  const letAsts = new Map<string, Expr>();
  for (const l of raw.lets) {
    const c = one(l.expr);
    if (c) {
      env.letEvals[letCells.get(l.name)!] = c.ev;
      letAsts.set(l.name, c.ast);
      if (c.konst) letConsts.set(l.name, c.konst.value);
    }
  }
  // A let that reads itself, directly or through others, would never finish.
  for (const l of raw.lets) {
    const cycle = findCycle(l.name, letAsts);
    if (cycle) {
      const offset = l.offset;
      issues.push({
        code: 'let_cycle',
        message: `\`let\` values refer to each other in a cycle: ${cycle.map((n) => `\`${n}\``).join(' -> ')}`,
        file: raw.file,
        offset,
        ...src.position(offset),
        hint: 'compute the shared part in a separate `let`',
      });
      break;
    }
  }

  const target = raw.target ? one(raw.target) : undefined;
  const rules: CompiledRule[] = [];
  const whenAsts: (Expr | undefined)[] = [];
  for (const r of raw.rules) {
    const when = r.when ? one(r.when) : undefined;
    const message = r.message ? template(r.message, one) : undefined;
    whenAsts.push(when?.ast);
    rules.push({
      id: r.id,
      effect: r.effect,
      when: when?.ev,
      whenText: r.when?.text,
      message,
      obligations: Object.freeze(r.obligations.map((o) => Object.freeze(o))),
      priority: r.priority,
    });
  }
  if (issues.length > before) return undefined;

  let ordered = rules;
  let orderedAsts = whenAsts;
  if (raw.combining === 'priority') {
    const order = rules.map((_, i) => i).sort((a, b) => rules[b]!.priority - rules[a]!.priority || a - b);
    ordered = order.map((i) => rules[i]!);
    orderedAsts = order.map((i) => whenAsts[i]);
  }
  const index = buildIndex(orderedAsts, (p) => !letCells.has(p[0]!) && p[0] !== 'now');
  return {
    key: `${raw.namespace}/${raw.name}`,
    name: raw.name,
    namespace: raw.namespace,
    version: raw.version,
    combining: raw.combining,
    default: raw.default,
    onError: raw.onError,
    target: target?.ev,
    lets: raw.lets.map((l) => ({ name: l.name, cell: letCells.get(l.name)! })),
    rules: ordered,
    index,
    purity,
    file: raw.file,
    asts,
  };
}

function template(t: TemplateSource, one: (es: ExprSource) => { ev: Evaluator } | undefined): CompiledRule['message'] {
  const parts = t.parts.map((p) => (typeof p === 'string' ? p : one(p)?.ev));
  if (parts.every((p) => typeof p === 'string')) {
    const s = parts.join('');
    return () => s;
  }
  return (f) => {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') out += p;
      else if (p) {
        try {
          out += display(p(f));
        } catch {
          out += '<error>';
        }
      }
    }
    return out;
  };
}

/** How a value appears inside a message. */
export function display(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (v instanceof CelOptional) return printValue(v);
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x instanceof Map ? Object.fromEntries(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

function findCycle(start: string, asts: Map<string, Expr>): string[] | undefined {
  const refs = (name: string): string[] => {
    const out = new Set<string>();
    const walk = (e: Expr) => {
      switch (e.k) {
        case 'ident':
          if (asts.has(e.name)) out.add(e.name);
          break;
        case 'select':
          walk(e.target);
          break;
        case 'list':
          e.elems.forEach(walk);
          break;
        case 'map':
          e.entries.forEach((x) => {
            walk(x.key);
            walk(x.value);
          });
          break;
        case 'macro':
          walk(e.target);
          walk(e.body);
          if (e.transform) walk(e.transform);
          break;
        case 'call':
          if (e.target) walk(e.target);
          e.args.forEach(walk);
          break;
      }
    };
    const ast = asts.get(name);
    if (ast) walk(ast);
    return [...out];
  };
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (path.includes(n)) return n === start ? [...path, n] : undefined;
    path.push(n);
    for (const m of refs(n)) {
      const c = visit(m);
      if (c) return c;
    }
    path.pop();
    return undefined;
  };
  return visit(start);
}
