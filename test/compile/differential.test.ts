// The compilers against the reference interpreter: for generated expressions and inputs, the
// interpreter, the closures and the generated code give the same value, or fail with the same
// error code (and closures and generated code with the same message and offset).
import fc from 'fast-check';
import { describe, test } from 'vitest';
import { check } from '../../src/lang/checker.js';
import { compile, newFrame, type Notes } from '../../src/compile/compile.js';
import { Unit } from '../../src/compile/codegen/expr.js';
import { codegenAllowed, instantiate } from '../../src/compile/codegen/load.js';
import { RUNTIME } from '../../src/compile/codegen/runtime.js';
import { interpret } from '../../src/lang/interpret.js';
import type { Expr } from '../../src/lang/ast.js';
import { parse } from '../../src/lang/parser.js';
import { Registry } from '../../src/lang/registry.js';
import { EvaluationError } from '../../src/lang/errors.js';
import { CelOptional, celEquals, kindOf } from '../../src/lang/values.js';
import { optionalLibrary, stdLibrary } from '../../builtins/index.js';

const registry = new Registry([...stdLibrary, ...optionalLibrary]);

const VARS = ['i', 'd', 's', 'b', 'l', 'm', 'n', 'missing'];

const leaf = fc.oneof(
  fc.integer({ min: -5, max: 5 }).map(String),
  fc.constantFrom('9223372036854775807', '-9223372036854775808', '0', '3u', '0u', '1.5', '-0.0', '2.0', '0.1'),
  fc.constantFrom("'a'", "'b'", "''", "'ab'", 'true', 'false', 'null', '[]', '{}'),
  fc.constantFrom(...VARS),
  fc.constantFrom('m.k', 'm.x', 'n.k', "m['k']", 'l[0]', 'l[5]', 'has(m.k)', 'has(m.z)'),
  // optionals (cel-go's optional library)
  fc.constantFrom('m.?k', 'm.?z', 'n.?k', 's.?k', "m[?'k']", 'l[?0]', 'l[?5]', "l[?'a']", 'optional.none()', 'm.?k.x', 'm.?z.x'),
);

const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    leaf.map((x) => `dyn(${x})`), // hides the type from the checker, so run-time errors are exercised
    fc
      .tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '%', '==', '!=', '<', '<=', '>', '>=', '&&', '||', 'in'), tie('e'))
      .map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom('!', '-'), tie('e')).map(([op, a]) => `${op}(${a})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `[${a}, ${b}]`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `${a}[${b}]`),
    fc
      .tuple(fc.constantFrom('all', 'exists', 'exists_one', 'existsOne', 'filter', 'map'), tie('e'), tie('e'))
      .map(([mac, coll, body]) => `${coll}.${mac}(x, ${(body as string).replace(/\bi\b/g, 'x')})`),
    fc.tuple(fc.constantFrom('size', 'string', 'int', 'double', 'type'), tie('e')).map(([f, a]) => `${f}(${a})`),
    // two-variable comprehensions: (index, value) of a list, (key, value) of a map
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.constantFrom('all', 'exists', 'existsOne', 'transformList', 'transformMap', 'transformMapEntry'),
          fc.oneof(fc.constantFrom('l', 'm', '[1, 2, 1]', "{'a': 1, 'b': 'c'}", '[]', 'dyn(m)'), tie('e')),
          tie('e'),
          fc.option(tie('e'), { nil: undefined }),
          fc.boolean(),
        )
        .map(([mac, coll, body, filter, compare]) => {
          // the variables read as `x` (index or key) and `y` (value); a comparison makes a bool
          const vars = (t: string) => t.replace(/\bi\b/g, 'x').replace(/\bs\b/g, 'y');
          const predicate = (t: string) => (compare ? `${vars(t)} == y` : vars(t));
          const value =
            mac === 'transformMapEntry'
              ? `{y: ${vars(body as string)}}`
              : mac.startsWith('transform')
                ? vars(body as string)
                : predicate(body as string);
          const f = filter !== undefined && mac.startsWith('transform') ? `${predicate(filter as string)}, ` : '';
          return `${coll}.${mac}(x, y, ${f}${value})`;
        }),
    },
    // optional values, made and read
    fc.tuple(fc.constantFrom('optional.of', 'optional.ofNonZeroValue'), tie('e')).map(([f, a]) => `${f}(${a})`),
    fc.tuple(tie('e'), fc.constantFrom('hasValue', 'value')).map(([a, f]) => `${a}.${f}()`),
    fc.tuple(tie('e'), fc.constantFrom('or', 'orValue'), tie('e')).map(([a, f, b]) => `${a}.${f}(${b})`),
    fc.tuple(tie('e'), fc.constantFrom('k', 'x')).map(([a, f]) => `${a}.?${f}`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `${a}[?${b}]`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `[?${a}, ${b}]`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `{?${a}: ${b}}`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `[?${a}, ${b}, ?${c}]`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `{?'k': ${a}, 'x': 1, ?'y': ${b}}`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `${a}.or(${b}).orValue(${c})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `cel.bind(x, ${a}, ${(b as string).replace(/\bi\b/g, 'x')})`),
    fc
      .tuple(fc.constantFrom('optMap', 'optFlatMap'), tie('e'), tie('e'))
      .map(([mac, opt, body]) => `${opt}.${mac}(x, ${(body as string).replace(/\bi\b/g, 'x')})`),
  ),
})).e;

const input = fc.record({
  i: fc.bigInt({ min: -10n, max: 10n }),
  d: fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: -3, max: 3 })),
  s: fc.string({ maxLength: 4 }),
  b: fc.boolean(),
  l: fc.array(fc.oneof(fc.integer({ min: -2, max: 2 }), fc.bigInt({ min: -2n, max: 2n }), fc.string({ maxLength: 2 })), { maxLength: 4 }),
  m: fc.dictionary(fc.constantFrom('k', 'x', 'y'), fc.oneof(fc.integer(), fc.string({ maxLength: 2 }), fc.boolean())),
  n: fc.constant(null),
});

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string; offset: number | undefined };

function run(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (!(e instanceof EvaluationError)) throw e;
    return { ok: false, code: e.code, message: e.message, offset: e.offset };
  }
}

/** The same expression as generated code (where this runtime allows code generation). */
function generated(expr: Parameters<typeof compile>[0], notes: Notes): ((f: ReturnType<typeof newFrame>) => unknown) | undefined {
  if (!codegenAllowed()) return undefined;
  const unit = new Unit(notes);
  unit.fn('C', expr);
  return instantiate(
    unit.source('C'),
    RUNTIME,
    unit.sites.map((s) => s.impl),
  );
}

const show = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

function same(a: Outcome, b: Outcome): boolean {
  if (a.ok !== b.ok) return false;
  if (!a.ok || !b.ok) return (a as { code: string }).code === (b as { code: string }).code;
  if (kindOf(a.value) !== kindOf(b.value)) return false;
  if (a.value instanceof CelOptional) {
    const o = b.value as CelOptional;
    return (
      a.value.hasValue() === o.hasValue() &&
      (!o.hasValue() || same({ ok: true, value: a.value.valueOrUndefined }, { ok: true, value: o.valueOrUndefined }))
    );
  }
  if (typeof a.value === 'number' && Number.isNaN(a.value)) return Number.isNaN(b.value as number);
  if (typeof a.value === 'number' && a.value === 0) return Object.is(a.value, b.value);
  return (
    celEquals(a.value, b.value) ||
    JSON.stringify(a.value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ===
      JSON.stringify(b.value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))
  );
}

describe('compiled closures agree with the reference interpreter', () => {
  test('on generated expressions and inputs, errors included', () => {
    fc.assert(
      fc.property(expr, input, (src, vars) => {
        let ast: Expr;
        try {
          ast = parse(src);
        } catch {
          return; // generated text that is not an expression (e.g. `--9223372036854775808`)
        }
        const checked = check(ast, { registry });
        if (checked.issues.length) return;
        const ref = run(() => interpret(checked.expr, { registry, lookup: (n) => (vars as Record<string, unknown>)[n] }));
        const notes: Notes = new Map();
        const ev = compile(checked.expr, { registry, varSlots: { n: 0 }, notes });
        const frame = () => newFrame(vars as Record<string, unknown>, 0, 64, 1_000_000, () => 0);
        const got = run(() => ev(frame()));
        if (!same(ref, got)) throw new Error(`${src}\n  reference: ${show(ref)}\n  compiled:  ${show(got)}`);
        const gen = generated(checked.expr, notes);
        if (gen) {
          const code = run(() => gen(frame()));
          const agree = same(got, code) && (got.ok || (code.ok === false && code.message === got.message && code.offset === got.offset));
          if (!agree) throw new Error(`${src}\n  closures:  ${show(got)}\n  generated: ${show(code)}`);
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 3000) },
    );
  });
});

describe('a comparison with an entry of a constant table of ints', () => {
  // generated code reads such an entry as a double from a twin table (no Number() per decision);
  // what it decides, and how it fails, stays the closures'
  const tables = ["{'a': 1, 'b': -2, '': 9007199254740993}", "{'a': 1, 'ab': 2.5}", "{'a': 3u, 'b': 1}"];
  const keys = ['s', 'dyn(i)', 'dyn(d)', "'a'", 'dyn(n)'];
  const lhs = ['d', 'i', 's', 'dyn(d)', 'b', '1.5', '2'];
  const source = fc
    .tuple(
      fc.constantFrom(...lhs),
      fc.constantFrom('<', '<=', '>', '>='),
      fc.constantFrom(...tables),
      fc.constantFrom(...keys),
      fc.boolean(),
    )
    .map(([x, op, t, k, flip]) => (flip ? `${t}[${k}] ${op} ${x}` : `${x} ${op} ${t}[${k}]`));
  const vars = fc.record({
    i: fc.bigInt({ min: -3n, max: 3n }),
    d: fc.oneof(fc.double({ noNaN: false }), fc.constantFrom(9007199254740992, 9007199254740994, 1, 2.5, -2)),
    s: fc.constantFrom('a', 'b', '', 'ab', 'z'),
    b: fc.boolean(),
    n: fc.constant(null),
  });
  test('decides as the closures do, errors included', () => {
    fc.assert(
      fc.property(source, vars, (src, vars) => {
        const checked = check(parse(src), { registry });
        if (checked.issues.length) return;
        const notes: Notes = new Map();
        const ev = compile(checked.expr, { registry, varSlots: { n: 0 }, notes });
        const frame = () => newFrame(vars as Record<string, unknown>, 0, 64, 1_000_000, () => 0);
        const got = run(() => ev(frame()));
        const gen = generated(checked.expr, notes);
        if (!gen) return;
        const code = run(() => gen(frame()));
        const agree = same(got, code) && (got.ok || (code.ok === false && code.message === got.message && code.offset === got.offset));
        if (!agree) throw new Error(`${src} with ${show(vars)}\n  closures:  ${show(got)}\n  generated: ${show(code)}`);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 2000) },
    );
  });
});
