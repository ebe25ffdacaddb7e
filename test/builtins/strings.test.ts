// The strings library: CEL's strings extension, the strings.* helpers, format and the
// regex.* functions, through the real engine (parser, checker, compiler), plus property
// tests of the primitives against simple reference implementations.

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { compileExpression } from '../../src/entries/index.js';
import { EvaluationError, PolicyError, type EvaluationErrorCode, type IssueCode } from '../../src/lang/errors.js';
import { CelDuration, CelTimestamp, CelType, CelUint } from '../../src/lang/values.js';
import { compileRegex, re2jsEngine } from '../../builtins/regex/index.js';
import { compileLiterals, SMALL_LIST } from '../../builtins/strings/literals.js';
import { fixed, formatPlainDouble, parseFormat, runFormat, scientific } from '../../builtins/strings/format.js';
import { caseFold, cpLength, normalizeWhitespace, trimSpace } from '../../builtins/strings/text.js';
import { goMatches, parseTemplate } from '../../builtins/strings/regex.js';

function ev(expr: string, bindings: Record<string, unknown> = {}): unknown {
  return compileExpression(expr).evaluate(bindings);
}

/** The expression fails at evaluation with `code` (and a message matching `message`). */
function evalFails(expr: string, code: EvaluationErrorCode, bindings: Record<string, unknown> = {}, message?: RegExp): void {
  let thrown: unknown;
  try {
    ev(expr, bindings);
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `${expr} should fail`).toBeInstanceOf(EvaluationError);
  expect((thrown as EvaluationError).code).toBe(code);
  if (message) expect((thrown as EvaluationError).message).toMatch(message);
}

/** The expression is rejected at load with an issue of `code`. */
function loadFails(expr: string, code: IssueCode, message?: RegExp): void {
  let thrown: unknown;
  try {
    compileExpression(expr);
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `${expr} should not load`).toBeInstanceOf(PolicyError);
  const issue = (thrown as PolicyError).issues[0]!;
  expect(issue.code).toBe(code);
  if (message) expect(issue.message).toMatch(message);
}

/** Strings over a small alphabet with astral characters and white space, so searches hit. */
const text = fc.array(fc.constantFrom('a', 'b', 'ab', '🐱', '©', ' ', '\u3000', 'é', 'Σ'), { maxLength: 12 }).map((p) => p.join(''));
const cps = (s: string) => Array.from(s);

describe('charAt, indexOf, lastIndexOf', () => {
  test('indexes are code points', () => {
    expect(ev("'🐱😀x'.charAt(1)")).toBe('😀');
    expect(ev("'🐱😀x'.charAt(3)")).toBe('');
    expect(ev("'🐱😀x'.indexOf('x')")).toBe(2n);
    expect(ev("'🐱😀x🐱'.lastIndexOf('🐱')")).toBe(3n);
    expect(ev("'🐱😀x🐱'.indexOf('🐱', 1)")).toBe(3n);
    expect(ev("'🐱😀x🐱'.lastIndexOf('🐱', 2)")).toBe(0n);
    expect(ev("''.charAt(0)")).toBe('');
  });
  test('empty strings and empty needles', () => {
    expect(ev("''.indexOf('')")).toBe(0n);
    expect(ev("''.indexOf('a')")).toBe(-1n);
    expect(ev("''.lastIndexOf('')")).toBe(0n);
    expect(ev("'abc'.indexOf('', 3)")).toBe(3n);
    expect(ev("'abc'.lastIndexOf('', 0)")).toBe(0n);
  });
  test('negative and out-of-range indexes are clear errors', () => {
    evalFails("'hello'.charAt(-1)", 'index_out_of_bounds', {}, /index -1 out of range for a string of 5 code points/);
    evalFails("'hello'.charAt(6)", 'index_out_of_bounds');
    evalFails("'hello'.indexOf('l', -1)", 'index_out_of_bounds', {}, /offset -1/);
    evalFails("'hello'.indexOf('l', 5)", 'index_out_of_bounds');
    evalFails("''.indexOf('a', 0)", 'index_out_of_bounds', {}, /0 code points/);
    evalFails("'abc'.indexOf('', 4)", 'index_out_of_bounds');
    evalFails("'abc'.indexOf('', -1)", 'index_out_of_bounds');
    evalFails("'hello'.lastIndexOf('l', 5)", 'index_out_of_bounds');
    evalFails("'hello'.charAt(9223372036854775807)", 'index_out_of_bounds');
  });
  test('a needle that starts with a lone low surrogate never matches inside a pair', () => {
    expect(ev('s.indexOf(n)', { s: '🐱', n: '\udc31' })).toBe(-1n);
    expect(ev('s.indexOf(n)', { s: '🐱\udc31', n: '\udc31' })).toBe(1n);
  });
  test('property: indexOf and lastIndexOf agree with a code-point reference', () => {
    // Compiled once: the property evaluates them once per offset of every generated text.
    const indexOf = compileExpression('s.indexOf(t)');
    const lastIndexOf = compileExpression('s.lastIndexOf(t)');
    const indexOfFrom = compileExpression('s.indexOf(t, o)');
    const lastIndexOfFrom = compileExpression('s.lastIndexOf(t, o)');
    fc.assert(
      fc.property(text, text, (s, sub) => {
        const a = cps(s);
        const b = cps(sub);
        const at = (i: number) => b.every((c, j) => a[i + j] === c);
        let first = -1;
        for (let i = 0; i + b.length <= a.length; i++)
          if (at(i)) {
            first = i;
            break;
          }
        let last = -1;
        for (let i = a.length - b.length; i >= 0; i--)
          if (at(i)) {
            last = i;
            break;
          }
        expect(indexOf.evaluate({ s, t: sub })).toBe(BigInt(first));
        expect(lastIndexOf.evaluate({ s, t: sub })).toBe(BigInt(last));
        for (let off = 0; off < a.length; off++) {
          let f = -1;
          for (let i = off; i + b.length <= a.length; i++)
            if (at(i)) {
              f = i;
              break;
            }
          expect(indexOfFrom.evaluate({ s, t: sub, o: BigInt(off) })).toBe(sub === '' ? BigInt(off) : BigInt(f));
          let l = -1;
          for (let i = Math.min(off, a.length - b.length); i >= 0; i--)
            if (at(i)) {
              l = i;
              break;
            }
          expect(lastIndexOfFrom.evaluate({ s, t: sub, o: BigInt(off) })).toBe(sub === '' ? BigInt(off) : BigInt(l));
        }
      }),
    );
  });
});

describe('substring, charAt', () => {
  test('ranges and errors', () => {
    expect(ev("'tacocat'.substring(7)")).toBe('');
    expect(ev("'tacocat'.substring(0, 0)")).toBe('');
    expect(ev("'🐱🐶🐭'.substring(2)")).toBe('🐭');
    expect(ev("''.substring(0, 0)")).toBe('');
    evalFails("'tacocat'.substring(8)", 'index_out_of_bounds');
    evalFails("'tacocat'.substring(1, 8)", 'index_out_of_bounds', {}, /index 8/);
    evalFails("'tacocat'.substring(-2, -1)", 'index_out_of_bounds');
    evalFails("'tacocat'.substring(3, 2)", 'invalid_argument', {}, /start 3 is after end 2/);
  });
  test('property: substring and charAt agree with code-point slicing', () => {
    fc.assert(
      fc.property(text, fc.nat(14), fc.nat(14), (s, i, j) => {
        const a = cps(s);
        const [lo, hi] = i <= j ? [i, j] : [j, i];
        if (hi <= a.length) expect(ev('s.substring(a, b)', { s, a: BigInt(lo), b: BigInt(hi) })).toBe(a.slice(lo, hi).join(''));
        else evalFails('s.substring(a, b)', 'index_out_of_bounds', { s, a: BigInt(lo), b: BigInt(hi) });
        if (i <= a.length) expect(ev('s.charAt(i)', { s, i: BigInt(i) })).toBe(a[i] ?? '');
        else evalFails('s.charAt(i)', 'index_out_of_bounds', { s, i: BigInt(i) });
      }),
    );
  });
});

describe('replace, split, join, reverse', () => {
  test('cel-go semantics', () => {
    expect(ev("'aaa'.replace('a', 'b', 2)")).toBe('bba');
    expect(ev("'aaa'.replace('a', 'b', 9223372036854775807)")).toBe('bbb');
    expect(ev("'abc'.replace('', '-', 2)")).toBe('-a-bc');
    expect(ev("''.replace('', '-')")).toBe('-');
    expect(ev("'abc'.replace('x', 'y')")).toBe('abc');
    expect(ev("'a,b,c'.split(',', -5)")).toEqual(['a', 'b', 'c']);
    expect(ev("'a,b,c'.split(',', 2)")).toEqual(['a', 'b,c']);
    expect(ev("'a,b,c'.split(',', 9)")).toEqual(['a', 'b', 'c']);
    expect(ev("'abc'.split('', 2)")).toEqual(['a', 'bc']);
    expect(ev("''.split('')")).toEqual([]);
    expect(ev("'🐱🐶'.split('', 1)")).toEqual(['🐱🐶']);
    expect(ev("'x'.split('x')")).toEqual(['', '']);
    expect(ev("['a'].join(', ')")).toBe('a');
    expect(ev("''.reverse()")).toBe('');
    expect(ev('[].reverse()')).toEqual([]);
    evalFails('l.join()', 'invalid_argument', { l: ['a', null] }, /element 1 is null_type/);
  });
  test('property: split then join is the identity; replace agrees with a code-point reference', () => {
    fc.assert(
      fc.property(text, text, text, (s, sep, rep) => {
        expect(ev('s.split(sep).join(sep)', { s, sep })).toBe(s);
        // Reference: Go's strings.Replace on code points.
        const a = cps(s);
        const b = cps(sep);
        let out = '';
        if (b.length === 0) out = rep + a.map((c) => c + rep).join('');
        else {
          for (let i = 0; i < a.length; ) {
            if (i + b.length <= a.length && b.every((c, j) => a[i + j] === c)) {
              out += rep;
              i += b.length;
            } else out += a[i++];
          }
        }
        expect(ev('s.replace(o, n)', { s, o: sep, n: rep })).toBe(out);
        expect(ev('s.reverse().reverse()', { s })).toBe(s);
        expect(cps(ev('s.reverse()', { s }) as string)).toEqual([...a].reverse());
      }),
    );
  });
});

describe('trim, lowerAscii, upperAscii, quote', () => {
  test("trim uses Go white space, not JavaScript's", () => {
    expect(ev("'\\ufeffx\\ufeff'.trim()")).toBe('\ufeffx\ufeff');
    expect(ev("'\\u0085x\\u205f'.trim()")).toBe('x');
    expect(ev("'   '.trim()")).toBe('');
    expect(trimSpace(`${' '.repeat(100_000)}x${' '.repeat(100_000)}`)).toBe('x');
  });
  test('ASCII case mapping leaves everything else alone', () => {
    expect(ev("'ÀÉ straße'.upperAscii()")).toBe('ÀÉ STRAßE');
    expect(ev("'ÀÉ STRASSE'.lowerAscii()")).toBe('ÀÉ strasse');
  });
  test('quote escapes and replaces lone surrogates', () => {
    expect(ev('strings.quote(s)', { s: 'a\x07\b\f\n\r\t\v\\"z' })).toBe('"a\\a\\b\\f\\n\\r\\t\\v\\\\\\"z"');
    expect(ev('strings.quote(s)', { s: 'x\ud800y\udc00' })).toBe('"x\ufffdy\ufffd"');
    expect(ev('strings.quote(s)', { s: '🐱' })).toBe('"🐱"');
  });
});

describe('format', () => {
  test('clauses', () => {
    expect(ev("'%s|%s|%s|%s'.format([null, true, b'hi', type(1)])")).toBe('null|true|hi|int');
    expect(ev("'%s'.format([{'b': 1, 'a': [2u, 1.5]}])")).toBe('{a: [2, 1.5], b: 1}');
    expect(ev("'%s %d'.format([1e21, 1e-7])")).toBe('1000000000000000000000 0.0000001');
    expect(ev("'%d'.format([-0.0])")).toBe('-0');
    expect(ev("'%.0f %.1f %.2f'.format([2.5, 0.25, 1.005])")).toBe('2 0.2 1.00');
    expect(ev("'%f'.format([1])")).toBe('1.000000');
    expect(ev("'%e'.format([0u])")).toBe('0.000000e+00');
    expect(ev("'%.0e'.format([123456.0])")).toBe('1e+05');
    expect(ev("'%.2e'.format([9.9999])")).toBe('1.00e+01');
    expect(ev("'%.3e'.format([1e-300])")).toBe('1.000e-300');
    expect(ev("'%b %o %x'.format([-5, -8, -255])")).toBe('-101 -10 -ff');
    expect(ev("'%X'.format(['ÿ'])")).toBe('C3BF');
    expect(ev("'%s'.format([timestamp('2024-01-02T03:04:05.123Z')])")).toBe('2024-01-02T03:04:05.123Z');
    expect(ev("'%s'.format([duration('-1.5s')])")).toBe('-1.5s');
    expect(ev("'100%%'.format([])")).toBe('100%');
    expect(ev("'%s'.format(['a', 'unused'])")).toBe('a');
    expect(ev("'%.100f'.format([1.0])")).toBe(`1.${'0'.repeat(100)}`);
  });
  test('errors: a constant format string is checked at load, a variable one at evaluation', () => {
    loadFails("'%a'.format([1])", 'invalid_literal', /unrecognized formatting clause `a`/);
    loadFails("'%.3'.format([1])", 'invalid_literal', /end of precision/);
    loadFails("'50%'.format([])", 'invalid_literal', /unexpected end/);
    loadFails("'%.101f'.format([1.0])", 'invalid_literal', /exceeds the maximum of 100/);
    evalFails('f.format([1])', 'invalid_argument', { f: '%q' });
    evalFails("'%d'.format([x])", 'invalid_argument', { x: 'a' }, /decimal clause.*was given string/);
    evalFails("'%s %s'.format(['a'])", 'invalid_argument', {}, /clause 2/);
    evalFails("'%b'.format([1.5])", 'invalid_argument');
    evalFails("'%o'.format([true])", 'invalid_argument');
    evalFails("'%x'.format([1.5])", 'invalid_argument');
    evalFails("'%f'.format(['1'])", 'invalid_argument');
    evalFails("'%s'.format([x])", 'invalid_argument', { x: [undefined] });
  });
  test('the parsed program is reused for a constant format string', () => {
    const p = parseFormat('%s=%.2f%%');
    expect(runFormat(p, ['x', 1.005])).toBe('x=1.00%');
    expect(runFormat(p, ['y', 2])).toBe('y=2.00%');
  });
  test('%f and %e round the exact binary value half to even, as Go does', () => {
    const cases: [number, number, string][] = [
      [0.5, 0, '0'],
      [1.5, 0, '2'],
      [2.5, 0, '2'],
      [-2.5, 0, '-2'],
      [0.125, 2, '0.12'],
      [0.375, 2, '0.38'],
      [1.005, 2, '1.00'], // 1.00499999999999989...
      [1e21, 1, '1000000000000000000000.0'],
      [5e-324, 3, '0.000'],
      [-0, 2, '-0.00'],
      [123.4999, 3, '123.500'],
      [
        Number.MAX_VALUE,
        0,
        '179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368',
      ],
    ];
    for (const [x, p, want] of cases) expect(fixed(x, p)).toBe(want);
    const sci: [number, number, string][] = [
      [0, 2, '0.00e+00'],
      [-0, 0, '-0e+00'],
      [2.5, 0, '2e+00'],
      [3.5, 0, '4e+00'],
      [9.995, 2, '9.99e+00'], // 9.99499999999999921...
      [1052.032911275, 6, '1.052033e+03'],
      [5e-324, 2, '4.94e-324'],
      [1e100, 1, '1.0e+100'],
    ];
    for (const [x, p, want] of sci) expect(scientific(x, p)).toBe(want);
  });
  test('property: %f and %e are within half a unit of the last digit, and agree with toFixed away from ties', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e20, max: 1e20 }), fc.integer({ min: 0, max: 15 }), (x, p) => {
        const f = fixed(x, p);
        expect(f).toMatch(p === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${p}}$`));
        expect(Math.abs(Number(f) - x)).toBeLessThanOrEqual(0.5 * 10 ** -p * (1 + 1e-9) + Math.abs(x) * 1e-15);
        const js = x.toFixed(p);
        // toFixed rounds ties up; Go (and we) round them to even. Elsewhere they agree.
        if (js !== f && js !== `-${f}` && `-${js}` !== f) {
          const up = Number(js);
          const down = Number(f);
          expect(Math.abs(Math.abs(up - down) - 10 ** -p)).toBeLessThan(10 ** -p * 1e-6 + Math.abs(x) * 1e-15);
        }
        const e = scientific(x, p);
        expect(e).toMatch(/^-?\d(\.\d+)?e[+-]\d{2,3}$/);
        if (x !== 0) expect(Math.abs(Number(e) - x) / Math.abs(x)).toBeLessThanOrEqual(0.5 * 10 ** -p * 10 * (1 + 1e-9));
      }),
    );
  });
  test('property: %d of a double reads back as the same double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = formatPlainDouble(x);
        expect(s).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Object.is(Number(s), x) || (x === 0 && Number(s) === 0)).toBe(true);
      }),
    );
  });
  test('%s of every kind of value', () => {
    const v = runFormat(parseFormat('%s'), [
      [
        new CelUint(3n),
        CelType.of('bool'),
        new CelDuration(1_500_000_000n),
        new CelTimestamp(0n),
        new Map([
          [true, 1n],
          [false, null],
        ]),
      ],
    ]);
    expect(v).toBe('[3, bool, 1.5s, 1970-01-01T00:00:00Z, {false: null, true: 1}]');
    expect(runFormat(parseFormat('%s'), [NaN])).toBe('NaN');
    expect(runFormat(parseFormat('%s'), [[-Infinity]])).toBe('[-Infinity]');
    const deep: unknown[] = [];
    let cur = deep;
    for (let i = 0; i < 200; i++) cur.push((cur = []));
    expect(() => runFormat(parseFormat('%s'), [deep])).toThrow(/deeper/);
  });
});

describe('strings.* helpers', () => {
  test('normalizeWhitespace', () => {
    expect(normalizeWhitespace('')).toBe('');
    expect(normalizeWhitespace(' \t\n ')).toBe('');
    expect(normalizeWhitespace('a\u2028\u2029b')).toBe('a b');
    expect(normalizeWhitespace('🐱  🐶')).toBe('🐱 🐶');
    fc.assert(
      fc.property(text, (s) => {
        const n = normalizeWhitespace(s);
        expect(normalizeWhitespace(n)).toBe(n);
        expect(n).not.toMatch(/ {2}|^ | $|\u3000/);
        expect(n.replace(/ /g, '')).toBe(s.replace(/[ \u3000]/g, ''));
      }),
    );
  });
  test('caseFold', () => {
    expect(caseFold('')).toBe('');
    expect(caseFold('ẞ')).toBe('ss');
    expect(caseFold('ﬁle')).toBe('file');
    expect(caseFold('Σίσυφος')).toBe('σίσυφοσ');
    expect(caseFold('Ⅻ')).toBe('xii'); // NFKC: Roman numeral to letters
    expect(ev("strings.equalsIgnoreCase('ǅ', 'ǆ')")).toBe(true);
    expect(ev("strings.equalsIgnoreCase('', '')")).toBe(true);
    expect(ev("strings.equalsIgnoreCase('a', '')")).toBe(false);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (s) => {
        const f = caseFold(s);
        expect(caseFold(f)).toBe(f);
        expect(caseFold(s.toUpperCase())).toBe(f);
        expect(caseFold(s.toLowerCase())).toBe(f);
      }),
    );
  });
  test('truncate and count', () => {
    expect(ev("strings.truncate('', 3)")).toBe('');
    expect(ev("strings.truncate('abc', 0)")).toBe('');
    expect(ev("strings.truncate('abc', 9223372036854775807)")).toBe('abc');
    expect(ev("strings.truncate('a🐱', 1)")).toBe('a');
    expect(ev("strings.count('🐱🐱', '🐱')")).toBe(2n);
    expect(ev("strings.count('🐱🐱', '')")).toBe(3n);
    expect(ev("strings.count('', '')")).toBe(1n);
    fc.assert(
      fc.property(text, fc.nat(15), (s, n) => {
        expect(ev('strings.truncate(s, n)', { s, n: BigInt(n) })).toBe(cps(s).slice(0, n).join(''));
      }),
    );
  });
  test('list helpers: empty lists, empty needles, non-string elements', () => {
    expect(ev("strings.containsAny('', [''])")).toBe(true);
    expect(ev("strings.containsAll('abc', ['', 'c'])")).toBe(true);
    expect(ev("strings.endsWithAny('abc', [])")).toBe(false);
    expect(ev("strings.startsWithAny('', ['a'])")).toBe(false);
    evalFails('strings.containsAny(s, l)', 'invalid_argument', { s: 'a', l: ['a', 1] }, /element 1 is double/);
    loadFails("strings.containsAny('a', ['a', 1])", 'invalid_literal', /element 1 is int/);
    evalFails('strings.containsAny(s, l)', 'no_matching_overload', { s: 1, l: ['a'] });
    evalFails("strings.containsAny(s, ['a'])", 'no_matching_overload', { s: 1 });
  });
  test('property: the list matchers agree with per-needle scans, for short and long lists, constant or not', () => {
    const needle = fc.array(fc.constantFrom('a', 'b', '🐱', 'ab', ''), { maxLength: 3 }).map((p) => p.join(''));
    fc.assert(
      fc.property(text, fc.array(needle, { maxLength: 3 * SMALL_LIST }), (s, list) => {
        const set = compileLiterals(list);
        expect(set.containsAny(s)).toBe(list.some((n) => s.includes(n)));
        expect(set.containsAll(s)).toBe(list.every((n) => s.includes(n)));
        expect(set.startsWithAny(s)).toBe(list.some((n) => s.startsWith(n)));
        expect(set.endsWithAny(s)).toBe(list.some((n) => s.endsWith(n)));
        expect(ev('strings.containsAny(s, l)', { s, l: list })).toBe(list.some((n) => s.includes(n)));
      }),
    );
    // A constant list long enough for the automaton, in the engine.
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
    const lit = `[${words.map((w) => `'${w}'`).join(', ')}]`;
    expect(ev(`strings.containsAny(s, ${lit})`, { s: 'xx word39 yy' })).toBe(true);
    expect(ev(`strings.containsAny(s, ${lit})`, { s: 'xx word yy' })).toBe(false);
    expect(ev(`strings.containsAll(s, ${lit})`, { s: words.join(' ') })).toBe(true);
    expect(ev(`strings.startsWithAny(s, ${lit})`, { s: 'word7!' })).toBe(true);
    expect(ev(`strings.endsWithAny(s, ${lit})`, { s: '!word7' })).toBe(true);
  });
  test('containsAll over needles that are suffixes of each other is linear', () => {
    // ['a', 'aa', ..., 'a'*40]: every position of 'aaaa…' ends 40 needles; each is visited once.
    const list = Array.from({ length: 40 }, (_, i) => 'a'.repeat(i + 1));
    const set = compileLiterals(list);
    expect(set.containsAll('a'.repeat(39) + 'b'.repeat(100_000))).toBe(false);
    expect(set.containsAll('b'.repeat(100_000) + 'a'.repeat(40))).toBe(true);
  });
});

describe('regex.*', () => {
  test('find, findAll with Go empty-match rules', () => {
    expect(ev("regex.find('', 'x*')")).toBe('');
    expect(ev("regex.findAll('', 'x*')")).toEqual(['']);
    expect(ev("regex.findAll('abc', '')")).toEqual(['', '', '', '']);
    expect(ev("regex.findAll('🐱🐱', '🐱')")).toEqual(['🐱', '🐱']);
    expect(ev("regex.findAll('a1b2', '[0-9]', 0)")).toEqual([]);
    expect(ev("regex.findAll('a1b2', '[0-9]', -1)")).toEqual(['1', '2']);
    const re = re2jsEngine.compile('a*');
    expect(goMatches(re, 'baaac').map((m) => [m.index, m.groups[0]])).toEqual([
      [0, ''],
      [1, 'aaa'],
      [5, ''],
    ]);
    expect(goMatches(re, 'baaac', 2).map((m) => m.groups[0])).toEqual(['', 'aaa']);
  });
  test('replace: group references, escapes, counts, errors', () => {
    expect(ev("regex.replace('abc', '(b)', '[\\\\1\\\\0\\\\\\\\]')")).toBe('a[bb\\]c');
    expect(ev("regex.replace('abc', '(x)?b', '<\\\\1>')")).toBe('a<>c');
    expect(ev("regex.replace('banana', 'a', 'x', -12)")).toBe('bxnxnx');
    expect(ev("regex.replace('abc', '', '-')")).toBe('-a-b-c-');
    expect(ev("regex.replace('baaac', 'a*', '-')")).toBe('-b-c-');
    expect(ev('regex.replace(s, p, r)', { s: 'foo bar', p: '(fo)o (ba)r', r: '\\2 \\1' })).toBe('ba fo');
    loadFails("regex.replace('test', '(.)', '\\\\2')", 'invalid_literal', /references group 2/);
    loadFails("regex.replace('test', 't', 'x\\\\')", 'invalid_literal', /at the end/);
    expect(ev("regex.replace('test', 't', '$1')")).toBe('$1es$1'); // only \\N refers to a group
    evalFails('regex.replace(s, p, r)', 'invalid_argument', { s: 'x', p: 'y', r: '\\q' }, /must be followed by a digit/);
  });
  test('extract, extractAll', () => {
    expect(ev("regex.extract('a1', '[a-z]([0-9])?')")).toBe('1');
    expect(ev("regex.extract('a', '[a-z]([0-9])?')")).toBe('');
    expect(ev("regex.extractAll('a1 b c3', '[a-z]([0-9])?')")).toEqual(['1', '3']);
    expect(ev("regex.extractAll('', 'x')")).toEqual([]);
    loadFails("regex.extract('a', '(a)(b)')", 'invalid_regex', /2 capturing groups/);
    loadFails("regex.extractAll('a', '(a)(b)')", 'invalid_regex', /2 capturing groups/);
    evalFails('regex.extractAll(s, p)', 'invalid_argument', { s: 'x', p: '(a)|(b)' });
  });
  test('matches with flags', () => {
    expect(ev("regex.matches('ΣΑΣ', 'σας', 'i')")).toBe(true);
    expect(ev("regex.matches('A\\nb', '^a.B$', 'ism')")).toBe(true);
    expect(ev("regex.matches('A\\nb', '^a.B$', 'im')")).toBe(false);
    loadFails("regex.matches('a', 'a', 'x')", 'invalid_literal', /unknown regex flag `x`/);
  });
  test('an invalid pattern is a load error when constant, an evaluation error when not', () => {
    for (const e of [
      "regex.find('a', '(')",
      "regex.findAll('a', 'a{1001}')",
      "regex.replace('a', '(?<', '')",
      "regex.extract('a', '[')",
      "regex.matches('a', '(', 'i')",
    ]) {
      loadFails(e, 'invalid_regex', /regular expression/);
    }
    evalFails('regex.find(s, p)', 'invalid_argument', { s: 'a', p: '(' }, /invalid regular expression `\(`/);
  });
  test('specialized calls still check the kinds of their other arguments', () => {
    evalFails("regex.findAll(s, '[0-9]', n)", 'no_matching_overload', { s: 'a1', n: 'x' });
    evalFails("regex.find(s, '[0-9]')", 'no_matching_overload', { s: 1 });
    evalFails("regex.replace(s, 'a', r)", 'no_matching_overload', { s: 'a', r: 1 });
    evalFails("'%s'.format(l)", 'no_matching_overload', { l: 'x' });
  });
  test('the template parser', () => {
    expect(parseTemplate('a\\1b\\\\', 1)).toEqual(['a', 1, 'b\\']);
    expect(() => parseTemplate('\\x', 1)).toThrow(/must be followed by a digit/);
    expect(() => parseTemplate('\\3', 2)).toThrow(/only 2 groups/);
    expect(parseTemplate('\\3', undefined)).toEqual([3]);
  });
});

describe('linear time', () => {
  // A String whose reads the regex engine makes are counted: re2js reads its input only
  // through charCodeAt/codePointAt (one character per call) and indexOf (prefix scans). The
  // count is the number of characters the engine examines, an honest measure of its work
  // that does not depend on the machine's speed. (Per character the engine does work bounded
  // by the size of the pattern, which is fixed here.)
  class CountingString extends String {
    reads = 0;
    scans = 0;
    override charCodeAt(i: number): number {
      this.reads++;
      return super.charCodeAt(i);
    }
    override codePointAt(i: number): number | undefined {
      this.reads++;
      return super.codePointAt(i);
    }
    override indexOf(search: string, position?: number): number {
      this.scans++;
      return super.indexOf(search, position);
    }
  }

  function work(pattern: string, input: string, op: 'test' | 'exec'): number {
    const s = new CountingString(input);
    const re = compileRegex(pattern);
    const r = op === 'test' ? re.test(s as unknown as string) : re.exec(s as unknown as string);
    expect(r === false || r === null).toBe(true); // no match
    expect(s.scans).toBeLessThanOrEqual(4);
    return s.reads;
  }

  test("(a+)+$ on n a's and a b: characters examined grow linearly, not exponentially", () => {
    const input = (n: number) => `${'a'.repeat(n)}b`;
    for (const op of ['test', 'exec'] as const) {
      const small = work('(a+)+$', input(50_000), op);
      const large = work('(a+)+$', input(200_000), op);
      // A backtracking engine would examine about 2^n characters; RE2 examines each a few times.
      expect(small).toBeLessThanOrEqual(4 * 50_001);
      expect(large).toBeLessThanOrEqual(4 * 200_001);
      expect(large / small).toBeGreaterThan(3.5);
      expect(large / small).toBeLessThan(4.5);
    }
    for (const p of ['(a|aa)+$', '(a*)*b$', '^(a|a?)+$', '(.*a){20}$']) {
      const small = work(p, input(10_000).replace(/b$/, '!'), 'test');
      const large = work(p, input(40_000).replace(/b$/, '!'), 'test');
      // (a RE2 prefilter may rule the input out with one indexOf scan: 0 reads.)
      expect(small, p).toBeLessThanOrEqual(10 * 10_001);
      expect(large, p).toBeLessThanOrEqual(4.5 * Math.max(small, 1));
    }
  });

  test('through the engine: the catastrophic pattern gives the right answer at 50,000 and 200,000', () => {
    for (const n of [50_000, 200_000]) {
      const s = `${'a'.repeat(n)}b`;
      expect(ev("s.matches('(a+)+$')", { s })).toBe(false);
      expect(ev("regex.find(s, '(a+)+$')", { s })).toBe('');
      expect(ev("regex.replace(s, '(a+)+$', 'x')", { s })).toBe(s);
      expect(ev("regex.matches(s, '(A+)+$', 'i')", { s })).toBe(false);
      expect(ev("s.matches('(a+)+b$')", { s })).toBe(true);
    }
  });

  test('string functions on long inputs with astral characters', () => {
    const n = 200_000;
    const s = '🐱a'.repeat(n);
    expect(cpLength(s)).toBe(2 * n);
    expect(ev('s.charAt(i)', { s, i: BigInt(2 * n - 1) })).toBe('a');
    expect(ev('s.indexOf(t, i)', { s, t: '🐱', i: BigInt(2 * n - 3) })).toBe(BigInt(2 * n - 2));
    expect(ev('s.substring(i).size()', { s, i: BigInt(n) })).toBe(BigInt(n));
    expect(ev("size(s.split(''))", { s })).toBe(BigInt(2 * n));
    expect(ev("strings.count(s, '🐱')", { s })).toBe(BigInt(n));
    expect(ev("s.replace('a', '').size()", { s })).toBe(BigInt(n));
  });
});
