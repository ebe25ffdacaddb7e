// Two-variable comprehensions (cel-go's `ext.TwoVarComprehensions`): `all`, `exists`,
// `existsOne`/`exists_one` with (index, value) of a list or (key, value) of a map, and
// `transformList`, `transformMap`, `transformMapEntry`. The conformance suite (macros2) covers
// CEL's cases; these cover input objects, the step limit, scoping, and errors with their
// positions, through the compiler and the reference interpreter.

import { describe, expect, test } from 'vitest';
import { builtinLibrary } from '../../builtins/index.js';
import { compileExpression } from '../../src/entries/index.js';
import { compileNode } from '../../src/compile/compile.js';
import { check } from '../../src/lang/checker.js';
import { EvaluationError, PolicyError } from '../../src/lang/errors.js';
import { interpret } from '../../src/lang/interpret.js';
import { parse } from '../../src/lang/parser.js';
import { Registry } from '../../src/lang/registry.js';
import { celEquals } from '../../src/lang/values.js';

const registry = new Registry(builtinLibrary);

type Outcome = { value: unknown } | { error: string };

function outcome(f: () => unknown): Outcome {
  try {
    return { value: f() };
  } catch (e) {
    if (!(e instanceof EvaluationError)) throw e;
    return { error: e.code };
  }
}

/** Compiled and interpreted, which must agree. */
function run(src: string, input: Record<string, unknown> = {}, maxSteps?: number): Outcome {
  const limits = maxSteps === undefined ? {} : { limits: { maxSteps } };
  const compiled = outcome(() => compileExpression(src, { registry, ...limits }).evaluate(input));
  const checked = check(parse(src), { registry });
  expect(checked.issues).toEqual([]);
  const interpreted = outcome(() =>
    interpret(checked.expr, { registry, lookup: (n) => input[n], ...(maxSteps === undefined ? {} : { maxSteps }) }),
  );
  if ('value' in compiled && 'value' in interpreted) expect(celEquals(compiled.value, interpreted.value), src).toBe(true);
  else expect(interpreted, src).toEqual(compiled);
  return compiled;
}

function issue(src: string) {
  try {
    compileExpression(src, { registry });
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    const i = e.issues[0]!;
    return { code: i.code, message: i.message, column: i.column };
  }
  throw new Error(`${src} loaded`);
}

const input = {
  user: { quotas: { 'gpt-4o': 10, 'gpt-4o-mini': 100 }, at: new Date(Date.UTC(2026, 0, 5)) },
  request: { messages: [{ role: 'system' }, { role: 'user' }, { role: 'user' }] },
};

describe('over input data', () => {
  test.each([
    // (key, value) of an input object
    ['user.quotas.all(model, n, n > 0.0)', true],
    ["user.quotas.exists(model, n, model.startsWith('gpt-4o-') && n >= 100.0)", true],
    ['user.quotas.existsOne(model, n, n < 50.0)', true],
    ["user.quotas.transformList(model, n, model + '=' + string(int(n)))", ['gpt-4o=10', 'gpt-4o-mini=100']],
    [
      'user.quotas.transformMap(model, n, n * 2.0)',
      new Map<unknown, unknown>([
        ['gpt-4o', 20],
        ['gpt-4o-mini', 200],
      ]),
    ],
    ['user.quotas.transformMap(model, n, n < 50.0, n)', new Map<unknown, unknown>([['gpt-4o', 10]])],
    [
      'user.quotas.transformMapEntry(model, n, {string(int(n)): model})',
      new Map<unknown, unknown>([
        ['10', 'gpt-4o'],
        ['100', 'gpt-4o-mini'],
      ]),
    ],
    // (index, value) of an input list: the index is an int
    ["request.messages.all(i, m, i == 0 || m.role != 'system')", true],
    ["request.messages.exists_one(i, m, m.role == 'system' && i == 0)", true],
    ['request.messages.transformList(i, m, i)', [0n, 1n, 2n]],
    ['request.messages.transformList(i, m, i > 0, m.role)', ['user', 'user']],
    [
      'request.messages.transformMap(i, m, m.role)',
      new Map<unknown, unknown>([
        [0n, 'system'],
        [1n, 'user'],
        [2n, 'user'],
      ]),
    ],
    // a Date value reads as a timestamp
    ['user.transformList(k, v, type(v)) == [map, google.protobuf.Timestamp]', true],
  ])('%s', (src, want) => {
    const got = run(src, input);
    expect(
      'value' in got && celEquals(got.value, want),
      `${src}: ${JSON.stringify(got, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
    ).toBe(true);
  });

  test('an inner comprehension may reuse the names of an outer one', () => {
    expect(run("{'a': [1, 2], 'b': [3]}.transformMap(k, v, v.transformList(k, v, k * v))", {})).toEqual({
      value: new Map<unknown, unknown>([
        ['a', [0n, 2n]],
        ['b', [0n]],
      ]),
    });
    expect(run('[1].all(i, v, [2].all(j, w, i == 0 && v == 1 && j == 0 && w == 2))')).toEqual({ value: true });
  });

  test('the variables shadow input variables of the same name', () => {
    expect(run('[10].transformList(user, request, user + request)', input)).toEqual({ value: [10n] });
  });
});

describe('errors', () => {
  test('all and exists absorb an error when another element decides; existsOne does not', () => {
    expect(run('[0, 1].exists(i, v, 1 / v == 1)')).toEqual({ value: true });
    expect(run('[0, 1].all(i, v, 1 / v == 2)')).toEqual({ value: false });
    expect(run('[0, 1].all(i, v, 1 / v == 1)')).toEqual({ error: 'division_by_zero' });
    expect(run('[1, 0].existsOne(i, v, 1 / v == 1)')).toEqual({ error: 'division_by_zero' });
  });

  test('transformMapEntry: a key made twice is an error, by CEL equality (1 and 1u are one key)', () => {
    expect(run("['a', 'a'].transformMapEntry(i, v, {v: i})")).toEqual({ error: 'invalid_argument' });
    expect(run('[1, 2].transformMapEntry(i, v, {v == 1 ? 1 : 1u: i})')).toEqual({ error: 'invalid_argument' });
    expect(run('[1, 2].transformMapEntry(i, v, dyn(v))')).toEqual({ error: 'no_matching_overload' });
    expect(run('[1, 2].transformMapEntry(i, v, {})')).toEqual({ value: new Map() });
  });

  test('the target must be a list or a map; conditions and filters must be bools', () => {
    expect(run("dyn('ab').all(i, v, true)")).toEqual({ error: 'no_matching_overload' });
    expect(run('[1].exists(i, v, dyn(v))')).toEqual({ error: 'no_matching_overload' });
    expect(run('[1].transformList(i, v, dyn(v), v)')).toEqual({ error: 'no_matching_overload' });
  });

  test('each element is one step of the decision', () => {
    // input lists: a comprehension over constants is computed at load, where steps do not count
    const l = { l: [1n, 2n, 3n], m: { a: 1, b: 2 } };
    expect(run('l.transformList(i, v, v)', l, 3)).toEqual({ value: [1n, 2n, 3n] });
    expect(run('l.transformList(i, v, v)', l, 2)).toEqual({ error: 'limit_exceeded' });
    expect(run('l.exists(i, v, v == 3)', l, 2)).toEqual({ error: 'limit_exceeded' });
    expect(run('m.all(k, v, l.all(j, w, true))', l, 7)).toEqual({ error: 'limit_exceeded' });
    expect(run('m.all(k, v, l.all(j, w, true))', l, 8)).toEqual({ value: true });
  });

  test.each([
    ['l.all(x, x, x > 0)', 10, 'syntax', 'the two variables of `all` must have different names, not both `x`'],
    ['l.exists(1, v, v > 0)', 10, 'syntax', 'the first argument of `exists` must be a variable name'],
    ['l.transformList(i, v.w, v)', 21, 'syntax', 'the second argument of `transformList` must be a variable name'],
    ['[1].all(i, v, i + 1)', 17, 'type_mismatch', 'the condition of `all` must be a bool, not int'],
    ['[1].transformList(i, v, i, v)', 25, 'type_mismatch', 'the filter of `transformList` must be a bool, not int'],
    ['[1].transformMapEntry(i, v, [v])', 29, 'type_mismatch', 'the result of `transformMapEntry` must be a map, not list'],
    ["'ab'.existsOne(i, v, true)", 15, 'type_mismatch', '`existsOne` needs a list or a map, not string'],
    ['[1].transformList(i, v, w)', 25, 'unknown_variable', undefined],
  ])('%s: %s', (src, column, code, message) => {
    if (code === 'unknown_variable') {
      // without an input schema a free name is an input variable: an error only at run time
      expect(run(src)).toEqual({ error: 'unknown_variable' });
      return;
    }
    expect(issue(src)).toEqual({ code, message, column });
  });
});

test('a comprehension over constants is computed once, at load', () => {
  const checked = check(parse("{'a': 1, 'b': 2}.transformMap(k, v, v * 10)"), { registry });
  const node = compileNode(checked.expr, { registry, varSlots: { n: 0 } });
  expect(node.konst?.value).toEqual(
    new Map([
      ['a', 10n],
      ['b', 20n],
    ]),
  );
});
