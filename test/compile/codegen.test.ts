// The code generator's escaping: anything from a policy reaches generated code only as a
// literal, and every literal reads back as the value it was written from, for any string
// (quotes, backslashes, `${`, `*/`, line and paragraph separators, lone surrogates) and any
// constant value the language has.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { jsString, literal, UnsupportedConstant } from '../../src/compile/codegen/source.js';
import { codegenAllowed } from '../../src/compile/codegen/load.js';
import { RUNTIME } from '../../src/compile/codegen/runtime.js';
import { CelDuration, CelTimestamp, CelType, CelUint, celEquals, kindOf } from '../../src/lang/values.js';
import { hostileString } from './hostile.js';

/** Evaluates generated source, through a module where `new Function` is refused. */
function evaluate(source: string): unknown {
  if (!codegenAllowed()) throw new Error('unreachable: the caller checks');
  const names = Object.keys(RUNTIME);
  return new Function(...names, `"use strict"; return (${source});`)(...names.map((n) => RUNTIME[n as keyof typeof RUNTIME]));
}

describe.runIf(codegenAllowed())('literals in generated code', () => {
  test('jsString reads back as the same string, on one line, in printable ASCII', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const lit = jsString(s);
        expect(lit).toMatch(/^"[\x20-\x7e]*"$/);
        // nothing that ends the literal, ends the line or closes a <script>; `${` is inert in "..."
        expect(lit).not.toMatch(/<|[\n\r]|[^\\]"./);
        expect(evaluate(lit)).toBe(s);
        expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  const celValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      hostileString,
      fc.double(),
      fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => new CelUint(n)),
      fc.boolean(),
      fc.constant(null),
      fc.uint8Array({ maxLength: 8 }),
      fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map((n) => new CelTimestamp(n)),
      fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map((n) => new CelDuration(n)),
      fc.constantFrom('int', 'string', 'list').map((n) => CelType.of(n)),
      fc.array(tie('v'), { maxLength: 3 }),
      fc.array(fc.tuple(hostileString, tie('v')), { maxLength: 3 }).map((es) => new Map(es)),
      fc.dictionary(fc.oneof(hostileString, fc.constant('__proto__')), tie('v'), { maxKeys: 3 }),
    ),
  })).v;

  test('literal() reads back as an equal value of the same kind', () => {
    fc.assert(
      fc.property(celValue, (v) => {
        const back = evaluate(literal(v));
        expect(kindOf(back)).toBe(kindOf(v));
        if (typeof v === 'number') expect(Object.is(back, v) || (Number.isNaN(v) && Number.isNaN(back as number))).toBe(true);
        else expect(celEquals(back, v) || JSON.stringify(back, replacer) === JSON.stringify(v, replacer)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  test('a `__proto__` key stays an own key and never sets a prototype', () => {
    const o = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object;
    const back = evaluate(literal(o)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

test('a value with no source form is refused, not approximated', () => {
  expect(() => literal(() => 1)).toThrow(UnsupportedConstant);
  expect(() => literal(new (class Host {})())).toThrow(UnsupportedConstant);
  expect(() => literal(new Date(0))).toThrow(UnsupportedConstant);
});

function replacer(_k: string, x: unknown): unknown {
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
  if (Object.is(x, -0)) return '-0';
  if (x instanceof Map) return [...x];
  if (x instanceof CelUint || x instanceof CelTimestamp || x instanceof CelDuration) return String(Object.values(x)[0]);
  if (x instanceof Uint8Array) return [...x];
  return x;
}
