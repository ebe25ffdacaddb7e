// DESIGN.md section 7: every safety promise, with a test that tries to break it.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PolicyEngine } from '../../src/entries/index.js';

function engine(when: string, opts: ConstructorParameters<typeof PolicyEngine>[0] = {}): PolicyEngine {
  const e = new PolicyEngine(opts);
  e.addPolicy(
    `apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p }\nspec:\n  rules:\n    - id: r\n      when: ${JSON.stringify(when)}\n      effect: deny\n`,
  );
  return e;
}

describe('evaluate never throws', () => {
  const e = engine("user.tier == 'free'");
  test.each([undefined, null, 0, 'text', [], true, () => 1, Symbol('s')])('input %s gives a fail-closed decision', (input) => {
    const d = e.evaluate(input);
    expect(d.effect).toBe('deny');
    expect(d.errors[0]!.code).toBe('unknown_variable');
  });

  test('a cyclic input still gets a decision; comparing cycles hits the depth guard', () => {
    const user: Record<string, unknown> = { tier: 'pro' };
    user.self = user;
    expect(e.evaluate({ user }).effect).toBe('allow');
    const other: Record<string, unknown> = { tier: 'pro' };
    other.self = other;
    const d = engine('user == other').evaluate({ user, other });
    expect(d.effect).toBe('deny');
    expect(d.errors[0]!.code).toBe('limit_exceeded');
  });

  test('with validateInput a cyclic input is refused before any rule runs', () => {
    const user: Record<string, unknown> = { tier: 'pro' };
    user.self = user;
    const d = engine("user.tier == 'free'", { limits: { validateInput: true } }).evaluate({ user });
    expect(d.effect).toBe('deny');
    expect(d.errors[0]!.code).toBe('limit_exceeded');
  });

  test('BigInt values are CEL ints', () => {
    const d = engine('request.max_tokens > 100').evaluate({ request: { max_tokens: 500n } });
    expect(d.effect).toBe('deny');
    expect(d.errors).toEqual([]);
  });

  test('a throwing getter in the input becomes an error, not an exception', () => {
    const request = Object.defineProperty({}, 'model', {
      enumerable: false,
      get() {
        throw new Error('boom');
      },
    });
    const d = engine("request.model == 'x'").evaluate({ request });
    expect(d.effect).toBe('deny');
    expect(d.errors[0]!.message).toMatch(/boom/);
  });

  test('arbitrary JSON input never makes evaluate throw', () => {
    const e2 = engine(
      "has(request.model) && request.model in ['a'] || size(request.messages) > 2 || request.messages.exists(m, m.content.contains('x'))",
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.anything(), (a, b) => {
        for (const input of [a, { request: a }, { request: { messages: a, model: b } }]) {
          const d = e2.evaluate(input);
          expect(['allow', 'deny', 'warn']).toContain(d.effect);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('no prototype pollution, no access to the host', () => {
  test('`__proto__` in the input is plain data and Object.prototype stays clean', () => {
    const input = JSON.parse('{"user": {"__proto__": {"admin": true}, "tier": "pro"}}');
    expect(engine('user.__proto__.admin').evaluate(input).effect).toBe('deny');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    // without an own `__proto__` key the field is missing, not Object.prototype
    const d = engine('has(user.__proto__)').evaluate({ user: { tier: 'pro' } });
    expect(d.effect).toBe('allow');
  });

  test.each(['user.constructor', 'user.toString', 'user.hasOwnProperty', 'user.valueOf', 'user.__defineGetter__'])(
    '`%s` is not reachable',
    (path) => {
      const d = engine(`${path} != null`).evaluate({ user: { tier: 'free' } });
      expect(d.errors[0]!.code).toBe('no_such_field');
      expect(engine(`has(${path})`).evaluate({ user: { tier: 'free' } }).effect).toBe('allow');
    },
  );

  test.each(['globalThis', 'process', 'require', 'constructor', 'Object'])('the global `%s` is not a variable', (name) => {
    const d = engine(`${name} != null`).evaluate({});
    expect(d.errors[0]!.code).toBe('unknown_variable');
  });

  test('class instances in the input do not expose their prototype', () => {
    class User {
      tier = 'pro';
      secret(): string {
        return 'x';
      }
    }
    const d = engine('has(user.secret)').evaluate({ user: new User() });
    expect(d.effect).not.toBe('deny');
  });
});

describe('bounded work', () => {
  test('macro iterations are limited per decision', () => {
    const e = engine('l.all(x, l.all(y, true))', { limits: { maxSteps: 10_000 } });
    const d = e.evaluate({ l: Array.from({ length: 200 }, (_, i) => i) });
    expect(d.effect).toBe('deny');
    expect(d.errors[0]!.code).toBe('limit_exceeded');
    expect(e.evaluate({ l: [1, 2, 3] }).errors).toEqual([]);
  });

  test('scanning a list with `in` counts against the step limit', () => {
    const e = engine("'x' in l", { limits: { maxSteps: 1000 } });
    expect(e.evaluate({ l: Array.from({ length: 2000 }, () => 'y') }).errors[0]!.code).toBe('limit_exceeded');
    expect(e.evaluate({ l: Array.from({ length: 500 }, () => 'y') }).errors).toEqual([]);
  });

  test('with validateInput, input size, depth and string length are limited', () => {
    const e = engine('true', { limits: { validateInput: true, maxInputNodes: 100, maxInputDepth: 5, maxStringLength: 10 } });
    expect(e.evaluate({ a: Array.from({ length: 200 }, () => 1) }).errors[0]!.code).toBe('limit_exceeded');
    expect(e.evaluate({ a: { b: { c: { d: { e: { f: 1 } } } } } }).errors[0]!.code).toBe('limit_exceeded');
    expect(e.evaluate({ s: 'x'.repeat(11) }).errors[0]!.code).toBe('limit_exceeded');
    expect(e.evaluate({ s: 'x'.repeat(10) }).errors).toEqual([]);
  });

  test('expressions are limited in length, depth and size at load', () => {
    const deep = `${'('.repeat(300)}1${')'.repeat(300)}`;
    expect(() => engine(`${deep} == 1`)).toThrow(/nests deeper than 250/);
    expect(() => engine(`${Array.from({ length: 30 }, () => 'x').join(' + ')} > 1`, { limits: { maxAstNodes: 20 } })).toThrow(
      /more than the limit of 20/,
    );
    expect(() => engine(`'${'a'.repeat(200)}' == x`, { limits: { maxExpressionLength: 100 } })).toThrow(/longer than 100/);
  });
});
