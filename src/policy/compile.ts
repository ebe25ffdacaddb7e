// Compiles raw policy documents into the engine's executable form, turning every problem
// into an Issue that points into the policy file.

import type { Expr } from '../lang/ast.js';
import type { CheckIssue, CType, JsonSchema } from '../lang/checker.js';
import { SourceText, type Issue } from '../lang/errors.js';
import type { Registry } from '../lang/registry.js';
import type { Evaluator, Notes, Purity } from '../compile/compile.js';
import { compileSource } from '../compile/expression.js';
import type { Limits } from '../compile/limits.js';
import type { ExprSource, RawPolicy } from './types.js';
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
  /** The checked expressions by role, rules in evaluation order: what the code generator reads. */
  code: PolicyCode;
}

export interface PolicyCode {
  target: Expr | undefined;
  /** Lets that are not constants (a constant is a literal wherever it is used). */
  lets: { cell: number; ast: Expr }[];
  rules: { when: Expr | undefined; message: (string | Expr)[] | undefined }[];
}

export interface PolicyCompileEnv {
  registry: Registry;
  limits: Limits;
  inputSchema?: JsonSchema;
  /** Let cells and macro slots are numbered across the whole policy set. */
  letEvals: Evaluator[];
  varSlots: { n: number };
  /** Where the compiler's decisions are recorded, when the set is also compiled to code. */
  notes?: Notes;
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
      notes: env.notes,
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
  const ruleCode: PolicyCode['rules'] = [];
  for (const r of raw.rules) {
    const when = r.when ? one(r.when) : undefined;
    const parts = r.message ? r.message.parts.map((p) => (typeof p === 'string' ? p : one(p))) : undefined;
    const message = parts ? template(parts) : undefined;
    whenAsts.push(when?.ast);
    ruleCode.push({ when: when?.ast, message: parts?.map((p) => (typeof p === 'string' ? p : p?.ast)).filter((p) => p !== undefined) });
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
  let orderedCode = ruleCode;
  if (raw.combining === 'priority') {
    const order = rules.map((_, i) => i).sort((a, b) => rules[b]!.priority - rules[a]!.priority || a - b);
    ordered = order.map((i) => rules[i]!);
    orderedAsts = order.map((i) => whenAsts[i]);
    orderedCode = order.map((i) => ruleCode[i]!);
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
    code: {
      target: target?.ast,
      lets: raw.lets
        .filter((l) => letAsts.has(l.name) && !letConsts.has(l.name))
        .map((l) => ({ cell: letCells.get(l.name)!, ast: letAsts.get(l.name)! })),
      rules: orderedCode,
    },
  };
}

function template(compiled: (string | { ev: Evaluator } | undefined)[]): CompiledRule['message'] {
  const parts = compiled.map((p) => (typeof p === 'string' || p === undefined ? p : p.ev));
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
