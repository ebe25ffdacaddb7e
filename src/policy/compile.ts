// Compiles raw policy documents into the engine's executable form, turning every problem
// into an Issue that points into the policy file.

import type { Expr } from '../lang/ast.js';
import type { CheckIssue, CType, JsonSchema } from '../lang/checker.js';
import type { SourceText, Issue } from '../lang/errors.js';
import type { Registry } from '../lang/registry.js';
import type { Notes, Purity } from '../compile/compile.js';
import type { Evaluator } from '../compile/frame.js';
import { compileSource } from '../compile/expression.js';
import type { Limits } from '../compile/limits.js';
import type { ExprSource, PolicyMode, RawPolicy } from './types.js';
import { fnv1a } from '../util/fnv.js';
import { buildIndex, type RuleIndex } from './rule-index.js';
import { cut, display } from './display.js';

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
  /**
   * The version decisions report (`matched[].version`, `shadow[].version`): `metadata.version`,
   * or, for a policy without one, `#` and a hash of its document's text, so two texts of one
   * policy (a canary and its stable version) are told apart either way.
   */
  release: string;
  /** `shadow`: evaluated and reported beside the decision, never part of it. */
  mode: PolicyMode;
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
  /**
   * Evaluators of the policy's lets, by cell. Each policy numbers its own cells and macro
   * slots, so it compiles alone and a load recompiles only the policies that changed; the
   * engine gives it a cell array of its own while it decides.
   */
  letEvals: Evaluator[];
  /**
   * Cells of the lets that are not constants: what a decision empties before the policy runs
   * (a constant is a literal wherever it is used, so nothing writes its cell).
   */
  live: number[];
  /** Macro variable slots the policy's expressions use. */
  vars: number;
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
  /** Where the compiler's decisions are recorded, when the policy is also compiled to code. */
  notes?: Notes;
}

/** Compiles one policy; `src` is the text it came from (shared by the documents of one file). */
export function compilePolicy(raw: RawPolicy, src: SourceText, env: PolicyCompileEnv, issues: Issue[]): CompiledPolicy | undefined {
  const before = issues.length;
  const letEvals: Evaluator[] = [];
  const varSlots = { n: 0 };
  const purity: Purity = { clock: false, state: false };
  // an imported let or an extension's rule was written in another text than the policy
  const report = (es: ExprSource, list: CheckIssue[], from: SourceText = src) => {
    for (const i of list) {
      const offset = es.offsets[Math.min(i.pos, es.offsets.length - 1)] ?? raw.offset;
      const issue: Issue = { code: i.code, message: i.message, offset, ...from.position(offset) };
      if (es.file !== undefined || raw.file !== undefined) issue.file = es.file ?? raw.file;
      if (i.hint) issue.hint = i.hint;
      issues.push(issue);
    }
  };

  // Lets: a cell each, visible to every expression of the policy (and to each other).
  const letCells = new Map<string, number>();
  for (const l of raw.lets) {
    letCells.set(l.name, letEvals.length);
    letEvals.push(() => {
      throw new Error('let evaluated before compilation finished');
    });
  }
  // a named condition is a let the checker knows to be a bool
  const variables = new Map<string, CType>(raw.lets.map((l) => [l.name, { kind: l.condition ? 'bool' : 'dyn' }]));
  // A let that is a constant (a price table, an allow-list) is used as a literal by the
  // expressions compiled after it, so they fold and index against it.
  const letConsts = new Map<string, unknown>();
  const asts: Expr[] = [];
  const one = (es: ExprSource, from?: SourceText): { ev: Evaluator; ast: Expr; type?: CType; konst?: { value: unknown } } | undefined => {
    const r = compileSource(es.text, {
      registry: env.registry,
      lets: letCells,
      letConsts,
      letEvals,
      purity,
      varSlots,
      variables,
      inputSchema: env.inputSchema,
      limits: env.limits,
      notes: env.notes,
    });
    if (!r.ev || !r.ast) {
      report(es, r.issues, from);
      return undefined;
    }
    asts.push(r.ast);
    return r.konst ? { ev: r.ev, ast: r.ast, type: r.type, konst: r.konst } : { ev: r.ev, ast: r.ast, type: r.type };
  };

  const letAsts = new Map<string, Expr>();
  for (const l of raw.lets) {
    const c = one(l.expr, l.source);
    if (c && l.condition && c.type !== undefined && c.type.kind !== 'bool' && c.type.kind !== 'dyn') {
      const offset = l.offset;
      const issue: Issue = {
        code: 'type_mismatch',
        message: `condition \`${l.name}\` must be a bool, got ${c.type.kind}`,
        offset,
        length: l.name.length,
        ...(l.source ?? src).position(offset),
        hint: 'a named condition is a boolean expression; put other values under `let`',
      };
      const file = l.expr.file ?? raw.file;
      if (file !== undefined) issue.file = file;
      issues.push(issue);
    }
    if (c) {
      letEvals[letCells.get(l.name)!] = c.ev;
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
        file: l.expr.file ?? raw.file,
        offset,
        ...(l.source ?? src).position(offset),
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
    const when = r.when ? one(r.when, r.source) : undefined;
    const parts = r.message ? r.message.parts.map((p) => (typeof p === 'string' ? p : one(p, r.source))) : undefined;
    const message = parts ? template(parts, env.limits.maxMessageLength) : undefined;
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
    release: policyRelease(raw, src.text),
    mode: raw.mode ?? 'enforce',
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
    letEvals,
    live: raw.lets.filter((l) => !letConsts.has(l.name)).map((l) => letCells.get(l.name)!),
    vars: varSlots.n,
    code: {
      target: target?.ast,
      lets: raw.lets
        .filter((l) => letAsts.has(l.name) && !letConsts.has(l.name))
        .map((l) => ({ cell: letCells.get(l.name)!, ast: letAsts.get(l.name)! })),
      rules: orderedCode,
    },
  };
}

/** The version decisions report for a policy: its `metadata.version`, or `#` and a hash of its document. */
export function policyRelease(raw: RawPolicy, text: string): string {
  return raw.version ?? `#${fnv1a(documentText(text, raw.offset)).toString(16).padStart(8, '0')}`;
}

/**
 * The text of the document whose content starts at `offset`: up to the next document marker
 * (`---` or `...` at the start of a line, which ends even a block scalar) or the end.
 */
function documentText(text: string, offset: number): string {
  const marker = /^(?:---|\.\.\.)(?:[ \t\r]|$)/gm;
  marker.lastIndex = offset + 1;
  const m = marker.exec(text);
  return text.slice(offset, m ? m.index : text.length);
}

function template(compiled: (string | { ev: Evaluator } | undefined)[], max: number): CompiledRule['message'] {
  const parts = compiled.map((p) => (typeof p === 'string' || p === undefined ? p : p.ev));
  if (parts.every((p) => typeof p === 'string')) {
    const s = cut(parts.join(''), max);
    return () => s;
  }
  return (f) => {
    let out = '';
    for (const p of parts) {
      if (out.length >= max) break;
      if (typeof p === 'string') out += p;
      else if (p) {
        try {
          // input text lands in reasons and in the audit trail: never more of it than fits
          out += display(p(f), max - out.length);
        } catch {
          out += '<error>';
        }
      }
    }
    return cut(out, max);
  };
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
