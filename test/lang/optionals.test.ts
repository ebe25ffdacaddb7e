// Optional values (cel-go's optional library): the syntax `a.?f`, `l[?i]`, `[?x]`, `{?k: x}`,
// the `optional.*` functions, `or`/`orValue` and the `optMap`/`optFlatMap` macros. The
// conformance suite (optionals) covers CEL's cases; these cover policy-shaped input, laziness,
// the checker's types, errors with their positions, and that input data cannot pass for an
// optional. Every case runs through the compiler and the reference interpreter.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { builtinLibrary } from '../../builtins/index.js';
import { compileExpression, PolicyEngine } from '../../src/entries/index.js';
import { check } from '../../src/lang/checker.js';
import { EvaluationError, PolicyError } from '../../src/lang/errors.js';
import { interpret } from '../../src/lang/interpret.js';
import { parse } from '../../src/lang/parser.js';
import { printValue } from '../../src/lang/print-value.js';
import { Registry } from '../../src/lang/registry.js';
import { CelOptional, celEquals, kindOf, typeNameOf } from '../../src/lang/values.js';
import type { JsonSchema } from '../../src/lang/checker.js';

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

/** The compiled and the interpreted outcome, which must agree; returns the compiled one. */
function run(src: string, input: Record<string, unknown> = {}): Outcome {
  const compiled = outcome(() => compileExpression(src, { registry }).evaluate(input));
  const checked = check(parse(src), { registry });
  expect(checked.issues).toEqual([]);
  const interpreted = outcome(() => interpret(checked.expr, { registry, lookup: (n) => input[n] }));
  if ('value' in compiled && 'value' in interpreted) expect(celEquals(compiled.value, interpreted.value), src).toBe(true);
  else expect(interpreted, src).toEqual(compiled);
  return compiled;
}

const value = (src: string, input: Record<string, unknown> = {}) => {
  const o = run(src, input);
  if ('error' in o) throw new Error(`${src}: ${o.error}`);
  return o.value;
};

/** The first load issue of an expression: code, message, hint and column. */
function issue(src: string, inputSchema?: JsonSchema) {
  try {
    compileExpression(src, inputSchema ? { registry, inputSchema } : { registry });
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    const i = e.issues[0]!;
    return { code: i.code, message: i.message, hint: i.hint, column: i.column };
  }
  throw new Error(`${src} loaded`);
}

const request = { model: 'gpt-4o', metadata: { team: 'search', tags: ['a', 'b'] }, tools: [] as unknown[] };

describe('reading optional fields of the input', () => {
  test.each([
    ["request.?metadata.?team.orValue('none')", 'search'],
    ["request.?metadata.?owner.orValue('none')", 'none'],
    ["request.?user.?team.orValue('none')", 'none'],
    // after one `.?`, plain selections and indexes stay optional (cel-go's chaining)
    ["request.?metadata.team.orValue('none')", 'search'],
    ["request.?user.team.orValue('none')", 'none'],
    ["request.?metadata.tags[1].orValue('')", 'b'],
    ["request.?metadata.tags[?5].orValue('')", ''],
    ["request.metadata[?'team'].orValue('')", 'search'],
    ['request.?metadata.?team.hasValue()', true],
    ['request.?user.hasValue()', false],
    ['has(request.?metadata.team)', true],
    ['has(request.?user.team)', false],
    ['request.?user.?team.or(request.?metadata.?team).value()', 'search'],
    ['request.?metadata.optMap(m, size(m)).orValue(0)', 2n],
    ['request.?user.optMap(u, size(u)).orValue(0)', 0n],
    ["request.?metadata.optFlatMap(m, m.?team).orValue('')", 'search'],
    ['optional.ofNonZeroValue(request.tools).hasValue()', false],
    ['[request.model, ?request.?metadata.?team, ?request.?user.?team]', ['gpt-4o', 'search']],
    ["{'model': request.model, ?'team': request.?metadata.?team, ?'user': request.?user}.size()", 2n],
  ])('%s', (src, want) => {
    const got = value(src, { request });
    expect(kindOf(got)).toBe(kindOf(want));
    expect(celEquals(got, want)).toBe(true);
  });

  test('a field that holds null is present: `.?` gives optional.of(null)', () => {
    expect(value('request.?user.hasValue()', { request: { user: null } })).toBe(true);
    expect(value('request.?user.value() == null', { request: { user: null } })).toBe(true);
  });

  test('a Date read through `.?` is a timestamp, as with `.`', () => {
    expect(value("request.?at.value() == timestamp('2026-01-05T10:00:00Z')", { request: { at: new Date(Date.UTC(2026, 0, 5, 10)) } })).toBe(
      true,
    );
  });

  test('prototype members are never fields', () => {
    expect(value('request.?constructor.hasValue()', { request: {} })).toBe(false);
    expect(value("request[?'__proto__'].hasValue()", { request: {} })).toBe(false);
    expect(value('request.?toString.orValue(1)', { request: {} })).toBe(1n);
  });
});

describe('or and orValue evaluate their argument only when needed', () => {
  test('a present value does not evaluate the default, so its error never shows', () => {
    expect(value('optional.of(1).orValue(1 / 0)')).toBe(1n);
    expect(value('optional.of(1).or(optional.of(1 / 0)).value()')).toBe(1n);
    expect(value('request.?model.orValue(missing)', { request })).toBe('gpt-4o');
  });

  test('an absent value evaluates it', () => {
    expect(run('optional.none().orValue(1 / 0)')).toEqual({ error: 'division_by_zero' });
    expect(run('request.?nothing.orValue(missing)', { request })).toEqual({ error: 'unknown_variable' });
  });

  test('`or` needs an optional on both sides', () => {
    expect(run('optional.none().or(dyn(1))')).toEqual({ error: 'no_matching_overload' });
    expect(run('optional.of(2).or(dyn(1)).value()')).toEqual({ value: 2n });
  });
});

describe('values', () => {
  test('equality: present values compare by value, none equals none, an optional never equals a plain value', () => {
    expect(value('optional.of(1) == optional.of(1.0)')).toBe(true);
    expect(value('optional.of([1]) != optional.of([2])')).toBe(true);
    expect(value('optional.none() == optional.none()')).toBe(true);
    expect(value('optional.of(1) == dyn(1)')).toBe(false);
    expect(value('optional.of(null) == optional.none()')).toBe(false);
    expect(value('optional.of(1) in [optional.of(1)]')).toBe(true);
  });

  test('the type is optional_type', () => {
    expect(value('type(optional.of(1)) == optional_type')).toBe(true);
    expect(typeNameOf(CelOptional.none)).toBe('optional_type');
  });

  test('optional.ofNonZeroValue drops each type’s zero value', () => {
    for (const zero of ['null', 'false', '0', '0u', '0.0', '-0.0', "''", "b''", '[]', '{}', "duration('0s')", 'timestamp(0)']) {
      expect(value(`optional.ofNonZeroValue(${zero}).hasValue()`), zero).toBe(false);
    }
    for (const some of [
      'true',
      '1',
      '1u',
      '0.5',
      "'a'",
      "b'a'",
      '[0]',
      '{0: 0}',
      "duration('1s')",
      'timestamp(1)',
      'optional.none()',
      'int',
    ]) {
      expect(value(`optional.ofNonZeroValue(${some}).hasValue()`), some).toBe(true);
    }
  });

  test('input data cannot pass for an optional', () => {
    const fake = { hasValue: true, value: 1 };
    expect(value('type(x) == map', { x: fake })).toBe(true);
    expect(run('x.hasValue()', { x: fake })).toEqual({ error: 'no_matching_overload' });
    expect(run('x.orValue(2)', { x: fake })).toEqual({ error: 'no_matching_overload' });
    expect(value('x.?value.value()', { x: fake })).toBe(1);
    expect(run('[?x]', { x: fake })).toEqual({ error: 'no_matching_overload' });
    // not even an object made from the class's prototype
    const forged = Object.create(CelOptional.prototype) as object;
    expect(forged instanceof CelOptional).toBe(false);
    expect(kindOf(forged)).toBe('map');
  });

  test('messages and explain output print optionals as CEL', () => {
    expect(printValue(CelOptional.of('a'))).toBe("optional.of('a')");
    expect(printValue(CelOptional.none)).toBe('optional.none()');
    const engine = new PolicyEngine();
    engine.addPolicy(`apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: p }
spec:
  rules:
    - id: r
      when: "true"
      effect: warn
      message: "team {{ request.?metadata.?team }} / {{ request.?metadata.?team.orValue('none') }}"
`);
    expect(engine.evaluate({ request }).reasons).toEqual(["team optional.of('search') / search"]);
  });
});

describe('the checker', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      request: {
        type: 'object',
        properties: { model: { type: 'string' }, metadata: { type: 'object', properties: { team: { type: 'string' } } } },
      },
    },
  };

  test('follows the input schema through `.?`: a misspelt field is an error with a suggestion', () => {
    expect(issue("request.?metadata.?tem.orValue('')", schema)).toEqual({
      code: 'unknown_field',
      message: 'unknown field `tem`',
      hint: 'did you mean `team`?',
      column: 20,
    });
    expect(issue("request.?metdata.team.orValue('')", schema)).toMatchObject({ code: 'unknown_field', hint: 'did you mean `metadata`?' });
  });

  test('knows the type inside an optional: value() and orValue() give it', () => {
    expect(issue("request.?metadata.?team.orValue('') + 1", schema)).toMatchObject({ code: 'type_mismatch', column: 37 });
    expect(issue("optional.of('a').value() * 2")).toMatchObject({ code: 'type_mismatch' });
    expect(compileExpression("request.?metadata.?team.orValue('') + '!'", { registry, inputSchema: schema }).evaluate({ request })).toBe(
      'search!',
    );
  });

  test('`?` elements and entries need optionals', () => {
    expect(issue('[1, ?2]')).toEqual({
      code: 'type_mismatch',
      message: 'an optional element (marked `?`) needs an optional value, not int',
      hint: 'wrap the value in `optional.of(...)`, or drop the `?`',
      column: 6,
    });
    expect(issue("{?'a': 'b'}")).toMatchObject({ code: 'type_mismatch', column: 8 });
  });

  test('optMap and optFlatMap need an optional; optFlatMap must give one', () => {
    expect(issue('[1].optMap(x, x)')).toMatchObject({ code: 'type_mismatch', message: '`optMap` needs an optional, not list', column: 11 });
    expect(issue('optional.of(1).optFlatMap(x, x + 1)')).toMatchObject({
      code: 'type_mismatch',
      message: 'the result of `optFlatMap` must be an optional, not int',
      column: 32, // the `+`
    });
  });

  test('`.?` and `[?` need something with fields or indexes', () => {
    expect(issue("'text'.?size")).toMatchObject({ code: 'type_mismatch', message: 'cannot select field `size` from a string' });
    expect(issue('1[?0]')).toMatchObject({ code: 'type_mismatch', message: 'cannot index a int' });
  });
});

describe('syntax errors, positioned', () => {
  test.each([
    ['request?.metadata', 8, 'unexpected `?.`: an optional field is selected with `.?`, as in `request.?metadata`'],
    ['request.?metadata()', 9, '`.?` selects a field and cannot call a method: write `.?metadata` or `.metadata(...)`'],
    ['request.?', 10, 'expected a field name after `.?` but found `the end`'],
    ['request.?1', 10, 'expected a field name after `.?` but found `1`'],
    ['l[?]', 4, 'unexpected `]`'],
    ['[?]', 3, 'unexpected `]`'],
    ['{?}', 3, 'unexpected `}`'],
    ['f(?x)', 3, 'unexpected `?`'],
    ['o.optMap(1, 2)', 10, 'the first argument of `optMap` must be a variable name'],
  ])('%s', (src, column, message) => {
    expect(issue(src)).toMatchObject({ code: 'syntax', column, message });
  });

  test('`c ? .x : y` (a leading dot after `?`) still parses', () => {
    expect(compileExpression('c ? .x : 2', { registry }).evaluate({ c: true, x: 1 })).toBe(1);
  });
});

describe('evaluation errors', () => {
  test.each([
    ['optional.none().value()', 'invalid_argument'],
    ['request.?metadata.?team.value()', 'invalid_argument'],
    ['[?dyn(1)]', 'no_matching_overload'],
    ["{?'a': dyn(1)}", 'no_matching_overload'],
    ["dyn('text').?size", 'no_such_field'],
    ['request.?model.?name', 'no_such_field'],
    ['request.?model[?0]', 'no_matching_overload'],
    ['dyn([1]).optMap(x, x)', 'no_matching_overload'],
    ['optional.of(1).optFlatMap(x, dyn(x))', 'no_matching_overload'],
    ['optional.unwrap([optional.of(1), dyn(2)])', 'no_matching_overload'],
  ])('%s: %s', (src, code) => {
    expect(run(src, { request: { model: 'm', metadata: {} } })).toEqual({ error: code });
  });

  test('the error points at the failing part', () => {
    try {
      compileExpression('1 + [?dyn(1)].size()', { registry }).evaluate({});
      expect.unreachable();
    } catch (e) {
      expect((e as EvaluationError).offset).toBe(6);
    }
  });
});

test('the examples in docs/language.md load', () => {
  const doc = readFileSync(new URL('../../docs/language.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```cel\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  for (const line of blocks.flatMap((b) => b.split('\n'))) {
    const src = line.replace(/\/\/.*$/, '').trim();
    if (src) expect(() => compileExpression(src, { registry }), src).not.toThrow();
  }
});
