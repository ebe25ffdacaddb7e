// The printer (src/lang/print.ts): print ∘ parse keeps the meaning. For generated expressions,
// parsing the printed text gives the same tree (positions aside) and the same value, and the
// printer uses no more parentheses than the grammar needs.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Expr } from '../../src/lang/ast.js';
import { EvaluationError } from '../../src/lang/errors.js';
import { interpret } from '../../src/lang/interpret.js';
import { parse } from '../../src/lang/parser.js';
import { print, printPretty } from '../../src/lang/print.js';
import { printLiteral, printValue } from '../../src/lang/print-value.js';
import { Registry } from '../../src/lang/registry.js';
import { CelDuration, CelOptional, CelTimestamp, CelUint, celEquals, kindOf } from '../../src/lang/values.js';
import { builtinLibrary } from '../../builtins/index.js';

const registry = new Registry(builtinLibrary);

/** The tree without positions, for structural comparison. */
function strip(e: Expr): unknown {
  switch (e.k) {
    case 'lit':
      return { k: 'lit', value: e.value };
    case 'ident':
      return { k: 'ident', name: e.name };
    case 'select':
      return { k: 'select', target: strip(e.target), field: e.field, test: e.test };
    case 'call':
      return { k: 'call', fn: e.fn, target: e.target ? strip(e.target) : undefined, args: e.args.map(strip) };
    case 'list':
      return { k: 'list', elems: e.elems.map(strip), optional: e.optional };
    case 'map':
      return { k: 'map', entries: e.entries.map((x) => ({ key: strip(x.key), value: strip(x.value) })), optional: e.optional };
    case 'macro':
      return {
        k: 'macro',
        macro: e.macro,
        iterVar: e.iterVar,
        iterVar2: e.iterVar2,
        target: strip(e.target),
        body: strip(e.body),
        transform: e.transform ? strip(e.transform) : undefined,
      };
  }
}

const VARS = ['i', 'd', 's', 'b', 'l', 'm', 'x'];

const stringLit = fc
  .string({
    unit: fc.constantFrom('a', 'b', ' ', "'", '"', '\\', '\n', '\t', '\u0001', 'é', '😀', '\u2028', '\u007f', '\u0085'),
    maxLength: 5,
  })
  .map((s) => printLiteral(s));

const leaf: fc.Arbitrary<string> = fc.oneof(
  fc.bigInt({ min: -20n, max: 20n }).map(String),
  fc.constantFrom('9223372036854775807', '-9223372036854775808', '0x1F', '3u', '0u', '18446744073709551615u'),
  fc.double({ noNaN: true }).map((n) => printLiteral(n)),
  fc.constantFrom('1.5', '-0.0', '2.0', '0.1', '1e3', '1e-7', '.5', '1e999', '-1e999', '5e+21'),
  stringLit,
  fc.constantFrom("r'a\\b'", '"""x\ny"""', "b'\\xff\\x00a'", "b''", "''", 'true', 'false', 'null', '[]', '{}'),
  fc.constantFrom(...VARS),
  fc.constantFrom('m.k', 'm.`k-2`', 'm.`in`', "m['k']", 'l[0]', 'has(m.k)', 'has(m.`a b`)', '.i', 'int', 'm.as'),
);

const BIN = ['+', '-', '*', '/', '%', '==', '!=', '<', '<=', '>', '>=', '&&', '||', 'in'];
/** Some parentheses the grammar needs, and some it does not. */
const paren = (s: string, keep: boolean) => (keep ? `(${s})` : s);

const expr: fc.Arbitrary<string> = fc.letrec((tieAny) => {
  const tie = (k: string) => tieAny(k) as fc.Arbitrary<string>;
  return {
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc
        .tuple(tie('e'), fc.constantFrom(...BIN), tie('e'), fc.boolean(), fc.boolean())
        .map(([a, op, b, pa, pb]) => `${paren(a, pa)} ${op} ${paren(b, pb)}`),
      fc.tuple(fc.constantFrom('!', '-', '!!', '--', '- '), tie('e'), fc.boolean()).map(([op, a, p]) => `${op}${paren(a, p)}`),
      fc.tuple(tie('e'), tie('e'), tie('e'), fc.boolean()).map(([c, a, b, p]) => `${paren(c, p)} ? ${paren(a, true)} : ${b}`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `[${a}, ${b}]`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `{${a}: ${b}}`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a})[${b}]`),
      fc.tuple(tie('e'), fc.constantFrom('f', 'size', 'as', 'startsWith')).map(([a, f]) => `(${a}).${f}()`),
      fc.tuple(tie('e'), fc.constantFrom('f', 'bar', 'as')).map(([a, f]) => `(${a}).${f}`),
      fc
        .tuple(fc.constantFrom('size', 'string', 'int', 'double', 'type', 'max', 'f'), tie('e'), tie('e'), fc.nat(2))
        .map(([f, a, b, n]) => `${f}(${[a, b].slice(0, n).join(', ')})`),
      fc
        .tuple(fc.constantFrom('all', 'exists', 'exists_one', 'filter', 'map'), tie('e'), tie('e'))
        .map(([mac, coll, body]) => `(${coll}).${mac}(x, ${body})`),
      fc.tuple(tie('e'), tie('e'), tie('e')).map(([coll, p, f]) => `(${coll}).map(x, ${p}, ${f})`),
      fc.tuple(tie('e'), tie('e')).map(([init, body]) => `cel.bind(x, ${init}, ${body})`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `math.greatest(${a}, ${b})`),
      // optional syntax and two-variable comprehensions
      fc.tuple(tie('e'), fc.constantFrom('k', '`k-2`', 'as')).map(([a, f]) => `(${a}).?${f}`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a})[?${b}]`),
      fc.tuple(tie('e'), tie('e'), fc.boolean()).map(([a, b, o]) => `[${o ? '?' : ''}${a}, ?${b}]`),
      fc.tuple(tie('e'), tie('e'), tie('e')).map(([k, v, w]) => `{?${k}: ${v}, 'z': ${w}}`),
      fc
        .tuple(fc.constantFrom('all', 'exists', 'exists_one', 'existsOne', 'transformList', 'transformMap'), tie('e'), tie('e'))
        .map(([mac, coll, body]) => `(${coll}).${mac}(x, y, ${body})`),
      fc
        .tuple(fc.constantFrom('transformList', 'transformMap', 'transformMapEntry'), tie('e'), tie('e'), tie('e'))
        .map(([mac, coll, f, t]) => `(${coll}).${mac}(x, y, ${f}, ${t})`),
      fc.tuple(fc.constantFrom('optMap', 'optFlatMap'), tie('e'), tie('e')).map(([mac, o, body]) => `(${o}).${mac}(x, ${body})`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `optional.of(${a}).orValue(${b})`),
    ),
  };
}).e;

const input = fc.record({
  i: fc.bigInt({ min: -10n, max: 10n }),
  d: fc.oneof(fc.double(), fc.integer({ min: -3, max: 3 })),
  s: fc.string({ maxLength: 4 }),
  b: fc.boolean(),
  l: fc.array(fc.oneof(fc.integer({ min: -2, max: 2 }), fc.bigInt({ min: -2n, max: 2n }), fc.string({ maxLength: 2 })), { maxLength: 4 }),
  m: fc.dictionary(fc.constantFrom('k', 'x', 'k-2', 'a b', 'in', 'as'), fc.oneof(fc.integer(), fc.string({ maxLength: 2 }), fc.boolean())),
});

function parses(s: string): Expr | undefined {
  try {
    return parse(s);
  } catch {
    return undefined; // generated text that is not an expression
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; code: string };
function run(e: Expr, vars: Record<string, unknown>): Outcome {
  try {
    return { ok: true, value: interpret(e, { registry, lookup: (n) => vars[n] }) };
  } catch (err) {
    if (!(err instanceof EvaluationError)) throw err;
    return { ok: false, code: err.code };
  }
}
function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.ok !== b.ok) return false;
  if (!a.ok || !b.ok) return (a as { code: string }).code === (b as { code: string }).code;
  if (kindOf(a.value) !== kindOf(b.value)) return false;
  if (typeof a.value === 'number') return Object.is(a.value, b.value);
  return celEquals(a.value, b.value) || printValue(a.value) === printValue(b.value);
}

describe('print ∘ parse keeps the meaning', () => {
  test('parse(print(parse(s))) is parse(s), positions aside, and print is a fixed point', () => {
    fc.assert(
      fc.property(expr, (src) => {
        const ast = parses(src);
        if (!ast) return;
        const out = print(ast);
        expect(out).not.toContain('\n');
        const again = parse(out);
        expect(strip(again)).toEqual(strip(ast));
        expect(print(again)).toBe(out);
      }),
      { numRuns: 3000 },
    );
  });

  test('the broken-up form (narrow page) parses to the same tree', () => {
    fc.assert(
      fc.property(expr, fc.integer({ min: 1, max: 60 }), (src, width) => {
        const ast = parses(src);
        if (!ast) return;
        const pretty = printPretty(ast, { width });
        expect(strip(parse(pretty))).toEqual(strip(ast));
        expect(printPretty(parse(pretty), { width })).toBe(pretty);
      }),
      { numRuns: 1000 },
    );
  });

  test('evaluating the printed expression gives the same value or the same error', () => {
    fc.assert(
      fc.property(expr, input, (src, vars) => {
        const ast = parses(src);
        if (!ast) return;
        const printed = parse(printPretty(ast, { width: 30 }));
        expect(sameOutcome(run(ast, vars), run(printed, vars))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('print', () => {
  test.each([
    ['a  &&  (b)', 'a && b'],
    // chains parse as balanced trees and print flat; another grouping keeps its parentheses, so
    // that parsing the printed text gives the same tree
    ['(a && b) && c', '(a && b) && c'],
    ['a && (b && c)', 'a && b && c'],
    ['a && b && c && d', 'a && b && c && d'],
    ['(a || b) && c', '(a || b) && c'],
    ['a || b && c', 'a || b && c'],
    ['(a + b) * c', '(a + b) * c'],
    ['a - (b - c)', 'a - (b - c)'],
    ['(a - b) - c', 'a - b - c'],
    ['a ? b : (c ? d : e)', 'a ? b : c ? d : e'],
    ['(a ? b : c) ? d : e', '(a ? b : c) ? d : e'],
    ['a ? (b ? c : d) : e', 'a ? (b ? c : d) : e'],
    ['!(a in b)', '!(a in b)'],
    ['-(5)', '-(5)'],
    ['-5', '-5'],
    ['- -5', '--5'],
    ['(-5).f()', '(-5).f()'],
    ['-5.f()', '-5.f()'],
    ['(-1.5)[0]', '(-1.5)[0]'],
    ['1.0', '1.0'],
    ['1e3', '1000.0'],
    ['5u', '5u'],
    ['"it\'s"', '"it\'s"'],
    ['\'say "hi"\'', '\'say "hi"\''],
    ["'a\\nb'", "'a\\nb'"],
    ["b'\\x00a'", "b'\\x00a'"],
    ["r'a\\d'", "r'a\\d'"],
    ["'a\\\\d'", "r'a\\d'"],
    ["'it\\'s \\\\'", '"it\'s \\\\"'],
    ['0.00000015', '0.00000015'],
    ['1.5e-7', '0.00000015'],
    ['1e-30', '1e-30'],
    ['has(m.k)', 'has(m.k)'],
    ['m.`k-2`', 'm.`k-2`'],
    ['.x', 'x'],
    ["{'a':1,'b':[1,2,]}", "{'a': 1, 'b': [1, 2]}"],
    ['l.map(x, x > 1, x * 2)', 'l.map(x, x > 1, x * 2)'],
    ['l.filter(x, x > 1).map(x, x * 2)', 'l.filter(x, x > 1).map(x, x * 2)'],
    ['cel.bind(v, 1, v + 1)', 'cel.bind(v, 1, v + 1)'],
    ['math.abs(-1)', 'math.abs(-1)'],
    ["request.?metadata.?team.orValue('none')", "request.?metadata.?team.orValue('none')"],
    ['m.?`k-2`', 'm.?`k-2`'],
    ['l[?0]', 'l[?0]'],
    ['(a + b).?c', '(a + b).?c'],
    ['[?a, b, ?c]', '[?a, b, ?c]'],
    ["{?'k': v, 'j': w}", "{?'k': v, 'j': w}"],
    ['m.all(k, v, k == v)', 'm.all(k, v, k == v)'],
    ['l.transformList(i, v, i > 0, v * 2)', 'l.transformList(i, v, i > 0, v * 2)'],
    ['m.transformMapEntry(k, v, {v: k})', 'm.transformMapEntry(k, v, {v: k})'],
    ['o.optMap(x, x + 1)', 'o.optMap(x, x + 1)'],
    ['l.existsOne(x, x)', 'l.existsOne(x, x)'],
    ['a // comment\n && b', 'a && b'],
  ])('%s -> %s', (src, want) => {
    expect(print(parse(src))).toBe(want);
  });

  test('printPretty breaks long && chains, ?: and brackets, and nothing that fits', () => {
    const src = "user.tier == 'free' && !(request.model in ['gpt-4o-mini', 'claude-3-5-haiku']) && request.max_tokens > 1024";
    expect(printPretty(parse(src), { width: 60 })).toBe(
      "user.tier == 'free' &&\n!(request.model in ['gpt-4o-mini', 'claude-3-5-haiku']) &&\nrequest.max_tokens > 1024",
    );
    expect(printPretty(parse('a ? b : c'), { width: 60 })).toBe('a ? b : c');
    const cond =
      'request.model in prices ? request.input_tokens * prices[request.model].input + request.max_tokens * prices[request.model].output : 0.0';
    expect(printPretty(parse(cond), { width: 60 })).toBe(
      'request.model in prices\n  ? request.input_tokens * prices[request.model].input +\n    request.max_tokens * prices[request.model].output\n  : 0.0',
    );
  });
});

describe('printValue', () => {
  test.each([
    [5n, '5'],
    [5, '5.0'],
    [0.25, '0.25'],
    [new CelUint(3n), '3u'],
    ['x', "'x'"],
    [null, 'null'],
    [[1, 'a'], "[1.0, 'a']"],
    [{ a: [true] }, "{'a': [true]}"],
    [new Map<unknown, unknown>([[1n, 'x']]), "{1: 'x'}"],
    [new CelTimestamp(1_700_000_000_500_000_000n), "timestamp('2023-11-14T22:13:20.5Z')"],
    [new CelTimestamp(-1n), "timestamp('1969-12-31T23:59:59.999999999Z')"],
    [new CelDuration(90_000_000_000n), "duration('90s')"],
    [new CelDuration(-1_500_000_000n), "duration('-1.5s')"],
    [CelOptional.of([1n]), 'optional.of([1])'],
    [CelOptional.none, 'optional.none()'],
  ])('%o', (v, want) => {
    expect(printValue(v)).toBe(want);
  });

  test('cuts long values', () => {
    expect(printValue('x'.repeat(100), 10)).toBe("'xxxxxx...");
  });
});
