// `cel.bind(v, init, body)`: the cel-spec bindings extension, parsed as a macro.
// The conformance suite (bindings_ext) covers the basics; these cover scoping and errors,
// through both the compiler and the reference interpreter.

import { describe, expect, test } from 'vitest';
import { compileExpression } from '../../src/compile/expression.js';
import { check } from '../../src/lang/checker.js';
import { EvaluationError, PolicyError } from '../../src/lang/errors.js';
import { interpret } from '../../src/lang/interpret.js';
import { parse } from '../../src/lang/parser.js';
import { Registry } from '../../src/lang/registry.js';

const registry = new Registry();

function both(src: string, input: Record<string, unknown> = {}): unknown[] {
  const compiled = compileExpression(src, { registry }).evaluate(input);
  const checked = check(parse(src), { registry });
  expect(checked.issues).toEqual([]);
  const interpreted = interpret(checked.expr, { registry, lookup: (n) => input[n] });
  return [compiled, interpreted];
}

describe('cel.bind', () => {
  test('an inner binding shadows an outer one', () => {
    expect(both('cel.bind(x, 1, cel.bind(x, 2, x) + x)')).toEqual([3n, 3n]);
  });

  test('a binding shadows an input variable, and may read it', () => {
    expect(both('cel.bind(x, x * 2.0, x + 1.0)', { x: 20 })).toEqual([41, 41]);
  });

  test('works inside a macro, once per element', () => {
    expect(both('[1, 2, 3].map(i, cel.bind(sq, i * i, sq + sq))')).toEqual([
      [2n, 8n, 18n],
      [2n, 8n, 18n],
    ]);
    expect(
      both('request.items.all(i, cel.bind(p, i.price, p > 0.0 && p < 10.0))', { request: { items: [{ price: 1 }, { price: 2 }] } }),
    ).toEqual([true, true]);
  });

  test('the value is computed before the body, even when the body ignores it', () => {
    expect(() => compileExpression('cel.bind(x, 1 / 0, true)', { registry }).evaluate({})).toThrow(EvaluationError);
    const checked = check(parse('cel.bind(x, 1 / 0, true)'), { registry });
    expect(() => interpret(checked.expr, { registry, lookup: () => undefined })).toThrow(EvaluationError);
  });

  test('the checker knows the bound type', () => {
    expect(() => compileExpression("cel.bind(x, 'a', x + 1)", { registry })).toThrow(PolicyError);
  });

  test('the first argument must be a name', () => {
    expect(() => compileExpression('cel.bind(1, 2, 3)', { registry })).toThrow(PolicyError);
  });
});
