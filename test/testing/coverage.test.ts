// The tracing run of the reference interpreter (src/testing/coverage.ts), used for coverage and
// `eval --explain`: it gives the interpreter's own value for every expression and every node,
// and the coverage collector counts rules and branches from it.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Expr } from '../../src/lang/ast.js';
import { check } from '../../src/lang/checker.js';
import { EvaluationError } from '../../src/lang/errors.js';
import { interpret } from '../../src/lang/interpret.js';
import { parse } from '../../src/lang/parser.js';
import { print } from '../../src/lang/print.js';
import { celEquals, kindOf } from '../../src/lang/values.js';
import { CoverageCollector, preparePolicies, traceExpression, type Outcome } from '../../src/testing/coverage.js';
import { defaultRegistry, PolicyEngine } from '../../src/entries/index.js';

const registry = defaultRegistry();

const VARS = ['i', 'd', 's', 'b', 'l', 'm', 'missing'];
const leaf = fc.oneof(
  fc.integer({ min: -5, max: 5 }).map(String),
  fc.constantFrom('0', '3u', '1.5', '-0.0', "'a'", "''", 'true', 'false', 'null', '[]', '{}'),
  fc.constantFrom(...VARS),
  fc.constantFrom('m.k', 'm.x', "m['k']", 'l[0]', 'l[5]', 'has(m.k)', 'has(m.z)'),
);
const expr: fc.Arbitrary<string> = fc.letrec((tieAny) => {
  const tie = (k: string) => tieAny(k) as fc.Arbitrary<string>;
  return {
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      leaf.map((x) => `dyn(${x})`),
      fc
        .tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '%', '==', '!=', '<', '>=', '&&', '||', 'in'), tie('e'))
        .map(([a, op, b]) => `(${a} ${op} ${b})`),
      fc.tuple(fc.constantFrom('!', '-'), tie('e')).map(([op, a]) => `${op}(${a})`),
      fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `[${a}, ${b}]`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `{${a}: ${b}}`),
      fc
        .tuple(fc.constantFrom('all', 'exists', 'exists_one', 'filter', 'map'), tie('e'), tie('e'))
        .map(([mac, coll, body]) => `${coll}.${mac}(x, ${body.replace(/\bi\b/g, 'x')})`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `${a}.all(x, ${b}.exists(y, x == y))`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `cel.bind(v, ${a}, [v, ${b}])`),
      fc.tuple(fc.constantFrom('size', 'string', 'int', 'type', 'math.abs'), tie('e')).map(([f, a]) => `${f}(${a})`),
    ),
  };
}).e;

const input = fc.record({
  i: fc.bigInt({ min: -10n, max: 10n }),
  d: fc.oneof(fc.double(), fc.integer({ min: -3, max: 3 })),
  s: fc.string({ maxLength: 4 }),
  b: fc.boolean(),
  l: fc.array(fc.oneof(fc.integer({ min: -2, max: 2 }), fc.bigInt({ min: -2n, max: 2n }), fc.string({ maxLength: 2 })), { maxLength: 4 }),
  m: fc.dictionary(fc.constantFrom('k', 'x', 'y'), fc.oneof(fc.integer(), fc.string({ maxLength: 2 }), fc.boolean())),
});

function same(a: Outcome, b: Outcome): boolean {
  if (a.ok !== b.ok) return false;
  if (!a.ok || !b.ok) return (a as { error: EvaluationError }).error.code === (b as { error: EvaluationError }).error.code;
  if (kindOf(a.value) !== kindOf(b.value)) return false;
  if (typeof a.value === 'number') return Object.is(a.value, b.value) || (Number.isNaN(a.value) && Number.isNaN(b.value as number));
  return (
    celEquals(a.value, b.value) ||
    JSON.stringify(a.value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ===
      JSON.stringify(b.value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))
  );
}

function direct(ast: Expr, vars: Record<string, unknown>): Outcome {
  try {
    return { ok: true, value: interpret(ast, { registry, lookup: (n) => vars[n] }) };
  } catch (e) {
    if (!(e instanceof EvaluationError)) throw e;
    return { ok: false, error: e };
  }
}

describe('traceExpression', () => {
  test('gives the reference interpreter’s value or error, and every node it reports is the interpreter’s value for that node', () => {
    fc.assert(
      fc.property(expr, input, (src, vars) => {
        let ast: Expr;
        try {
          ast = check(parse(src), { registry }).expr;
        } catch {
          return;
        }
        const seen: [Expr, Outcome][] = [];
        const traced = traceExpression(ast, { registry, lookup: (n) => vars[n as keyof typeof vars] }, (node, o) => seen.push([node, o]));
        expect(same(traced, direct(ast, vars))).toBe(true);
        // a node outside any macro body is evaluated once: its reported outcome is the
        // interpreter's for that node alone (inside a macro body it depends on the variable)
        const inMacro = new Set<Expr>();
        const mark = (e: Expr, inside: boolean): void => {
          if (inside) inMacro.add(e);
          if (e.k === 'macro') {
            mark(e.target, inside);
            mark(e.body, true);
          } else if (e.k === 'call') {
            if (e.target) mark(e.target, inside);
            for (const a of e.args) mark(a, inside);
          } else if (e.k === 'select') mark(e.target, inside);
          else if (e.k === 'list') for (const x of e.elems) mark(x, inside);
          else if (e.k === 'map')
            for (const x of e.entries) {
              mark(x.key, inside);
              mark(x.value, inside);
            }
        };
        mark(ast, false);
        for (const [node, o] of seen) if (!inMacro.has(node)) expect(same(o, direct(node, vars))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  test('reports short-circuited operands as not evaluated', () => {
    const ast = check(parse('a && b.c'), { registry }).expr;
    const seen = new Map<string, Outcome>();
    const r = traceExpression(ast, { registry, lookup: (n) => ({ a: false, b: {} })[n] }, (node, o) => seen.set(print(node), o));
    expect(r).toEqual({ ok: true, value: false });
    expect(seen.get('a')).toEqual({ ok: true, value: false });
    expect(seen.has('b.c')).toBe(false);
    const err = new Map<string, Outcome>();
    traceExpression(ast, { registry, lookup: (n) => ({ a: true, b: {} })[n] }, (node, o) => err.set(print(node), o));
    expect(err.get('b.c')).toMatchObject({ ok: false, error: { code: 'no_such_field' } });
  });
});

describe('CoverageCollector', () => {
  const text = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: p }
spec:
  target: request.provider == 'openai' || request.provider == 'azure'
  let:
    big: "request.max_tokens > 1000 ? 'big' : 'small'"
  rules:
    - id: a
      when: user.tier == 'free' && big == 'big'
      effect: deny
    - id: b
      effect: warn
`;
  test('counts rules, the target, and both outcomes of every && / || operand and ?: condition', () => {
    const files = [{ text, filename: 'p.yaml' }];
    const engine = new PolicyEngine({ clock: () => 0 });
    engine.setPolicies(files);
    const prepared = preparePolicies(files, { registry });
    const cov = new CoverageCollector(registry);
    const decide = (input: unknown) => cov.record(prepared, engine.evaluate(input, { explain: true }), input, 0);
    cov.add(prepared);
    expect(cov.report()).toMatchObject({ covered: 0, percent: 0 });
    decide({ request: { provider: 'openai', max_tokens: 2000 }, user: { tier: 'free' } });
    let r = cov.report().policies[0]!;
    expect(r.target).toMatchObject({ true: 1, false: 0 });
    expect(r.rules.map((x) => [x.rule, x.true, x.false, x.fired])).toEqual([
      ['a', 1, 0, 1],
      ['b', 1, 0, 1],
    ]);
    expect(r.branches.map((b) => [b.in, b.kind, b.expr, b.true, b.false, b.line, b.column])).toEqual([
      ['target', '||', "request.provider == 'openai'", 1, 0, 5, 11],
      ['target', '||', "request.provider == 'azure'", 0, 0, 5, 43],
      ['let big', '?:', 'request.max_tokens > 1000', 1, 0, 7, 11],
      ['rule a', '&&', "user.tier == 'free'", 1, 0, 10, 13],
      ['rule a', '&&', "big == 'big'", 1, 0, 10, 36],
    ]);
    decide({ request: { provider: 'azure', max_tokens: 10 }, user: { tier: 'free' } });
    decide({ request: { provider: 'azure', max_tokens: 10 }, user: { tier: 'pro' } });
    decide({ request: { provider: 'other' } });
    r = cov.report().policies[0]!;
    expect(r.target).toMatchObject({ true: 3, false: 1 });
    expect(r.percent).toBe(100);
    expect(r.covered).toBe(r.points);
  });
});
