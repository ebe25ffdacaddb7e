// Expressions written to break the loader: long operator chains, deep selections, names of
// Object.prototype members. Each must end in a PolicyError with a code and a position, or load;
// never a RangeError, a TypeError or a freeze.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileExpression, PolicyEngine, PolicyError } from '../../src/entries/index.js';

const OPERATORS = ['+', '-', '*', '/', '%', '&&', '||', '==', '<', 'in'];
const PROTO = Object.getOwnPropertyNames(Object.prototype);

function outcome(src: string): 'ok' | string {
  try {
    compileExpression(src);
    return 'ok';
  } catch (e) {
    if (!(e instanceof PolicyError)) return `threw ${(e as Error).name}: ${(e as Error).message}`;
    const i = e.issues[0]!;
    expect(i.line).toBeGreaterThanOrEqual(1);
    expect(i.column).toBeGreaterThanOrEqual(1);
    return i.code;
  }
}

describe('chains', () => {
  test.each(OPERATORS)('a chain of `%s` of any length loads or is limit_exceeded', (op) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6000 }), (n) => {
        const r = outcome(Array(n).fill('x').join(` ${op} `));
        expect(['ok', 'limit_exceeded', 'type_mismatch']).toContain(r);
      }),
      { numRuns: 25 },
    );
  });

  test.each([
    ['selections', (n: number) => `x${'.a'.repeat(n)} == 1`],
    ['indexes', (n: number) => `x${'[0]'.repeat(n)} == 1`],
    ['method calls', (n: number) => `x${'.size()'.repeat(n)} == 1`],
    ['negations', (n: number) => `${'!'.repeat(n)}true`],
    ['parentheses', (n: number) => `${'('.repeat(n)}1${')'.repeat(n)}`],
    ['optional selections', (n: number) => `x${'.?a'.repeat(n)}.hasValue()`],
    ['optional indexes', (n: number) => `x${'[?0]'.repeat(n)}.hasValue()`],
    ['optional list elements', (n: number) => `${'[?'.repeat(n)}optional.none()${']'.repeat(n)} == []`],
    ['two-variable macros', (n: number) => `${'x.all(k, v, '.repeat(n)}true${')'.repeat(n)}`],
  ])('3,000 %s: limit_exceeded at load, positioned', (_what, make) => {
    expect(outcome(make(3000))).toBe('limit_exceeded');
  });

  test('`&&` and `||` chains nest as balanced trees, so a long one stays within the depth limit', () => {
    expect(outcome(Array(5000).fill('x').join(' || '))).toBe('ok');
    const e = compileExpression(Array.from({ length: 2000 }, (_, i) => `x == ${i}`).join(' || '), {});
    expect(e.evaluate({ x: 1999 })).toBe(true);
    expect(e.evaluate({ x: 2000 })).toBe(false);
  });

  test('a policy with a 3,000-selection condition is refused with its position in the file', () => {
    const engine = new PolicyEngine();
    const text = `apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p }\nspec:\n  rules:\n    - id: r\n      when: x${'.a'.repeat(3000)} == 1\n      effect: deny\n`;
    const err = (() => {
      try {
        engine.addPolicy(text, { filename: 'deep.yaml' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PolicyError);
    const issue = (err as PolicyError).issues[0]!;
    expect(issue).toMatchObject({ code: 'limit_exceeded', file: 'deep.yaml', line: 7 });
    expect(engine.policies()).toEqual([]);
  });
});

describe('names of Object.prototype members', () => {
  test.each(PROTO)('`%s` as a function, method, field, variable and map key', (n) => {
    for (const src of [
      `x.${n}()`,
      `${n}(x)`,
      `x.${n}`,
      n,
      `{'${n}': 1}['${n}']`,
      `has(x.${n})`,
      `llm.${n}(x)`,
      `pii.${n}(x)`,
      `x.?${n}`,
      `x[?'${n}']`,
      `x.?${n}.orValue(1)`,
      `x.all(k, v, k == '${n}')`,
    ]) {
      const r = outcome(src);
      expect(r === 'ok' || /^[a-z_]+$/.test(r), `${src}: ${r}`).toBe(true);
      if (r !== 'ok') continue;
      try {
        compileExpression(src).evaluate({ x: { a: 1 } });
      } catch (e) {
        expect((e as Error).name, src).toBe('EvaluationError');
      }
    }
  });

  test('an unknown function named like a prototype member is an unknown_function error', () => {
    expect(outcome('x.toString()')).toBe('unknown_function');
    expect(outcome('constructor(x)')).toBe('unknown_function');
    expect(outcome("x.hasOwnProperty('a')")).toBe('unknown_function');
  });
});
