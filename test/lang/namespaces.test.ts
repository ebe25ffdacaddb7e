// Names that mean functions: `pii.found(x)` calls the function `pii.found`; `pii.contains(x)`
// would read `pii` as an input variable and call the string method `contains`, and every
// decision would then fail on the missing variable. A receiver that names a namespace of
// functions and is not declared as a variable is therefore a load error, with a suggestion
// from the same helper (src/util/suggest.ts) as every other "did you mean".

import { describe, expect, test } from 'vitest';
import { builtinLibrary } from '../../builtins/index.js';
import { compileExpression, PolicyEngine, PolicyError } from '../../src/entries/index.js';
import { check, type JsonSchema } from '../../src/lang/checker.js';
import { parse } from '../../src/lang/parser.js';
import { Registry } from '../../src/lang/registry.js';

const registry = new Registry(builtinLibrary);

function issues(src: string, inputSchema?: JsonSchema) {
  try {
    compileExpression(src, inputSchema ? { registry, inputSchema } : { registry });
    return [];
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    return e.issues.map((i) => ({ code: i.code, message: i.message, hint: i.hint, column: i.column }));
  }
}

describe('a receiver that names a namespace of functions', () => {
  test('`pii.contains(x)` is not a function: the suggestion is the pii function that gives what `contains` gives', () => {
    expect(issues('pii.contains(request)')).toEqual([
      {
        code: 'unknown_function',
        message: '`pii.contains` is not a function',
        hint: 'did you mean `pii.found`? (to call `contains` on an input variable `pii`, declare `pii` in the input schema)',
        column: 5,
      },
    ]);
  });

  test('a misspelt namespace function gets the closest name', () => {
    expect(issues('pii.fnd(request)')).toEqual([
      { code: 'unknown_function', message: 'unknown function `pii.fnd`', hint: 'did you mean `pii.found`?', column: 5 },
    ]);
    expect(issues('optional.off(1)')[0]!.hint).toBe('did you mean `optional.of`?');
  });

  test('with no close name, the functions of the namespace that take as many arguments', () => {
    expect(issues('llm.text(request)')).toEqual([
      {
        code: 'unknown_function',
        message: 'unknown function `llm.text`',
        hint: 'functions of `llm` that take 1 argument: `llm.tokens`, `llm.estimateCost`, `llm.model`, `llm.knownModel`, `llm.fitsContext`',
        column: 5,
      },
    ]);
  });

  test('a method name with no matching function says how to use an input variable of that name', () => {
    expect(issues('time.getHours()')[0]).toEqual({
      code: 'unknown_function',
      message: '`time.getHours` is not a function',
      hint: '`time` names functions: to call `getHours` on an input variable `time`, declare `time` in the input schema',
      column: 6,
    });
  });

  test('the arguments are still checked', () => {
    expect(issues("pii.contains(1 + 'a')").map((i) => i.code)).toEqual(['type_mismatch', 'unknown_function']);
  });

  test('a name the input schema declares is a variable, and its methods are allowed', () => {
    const schema: JsonSchema = { type: 'object', properties: { pii: { type: 'string' }, time: {} } };
    expect(issues("pii.contains('x')", schema)).toEqual([]);
    expect(compileExpression("pii.contains('x')", { registry, inputSchema: schema }).evaluate({ pii: 'xyz' })).toBe(true);
    expect(issues('pii.found(pii)', schema)).toEqual([]);
  });

  test('so is a `let` of that name', () => {
    const engine = new PolicyEngine();
    engine.addPolicy(`apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: p }
spec:
  let:
    pii: "'a-b'"
  rules:
    - { id: r, when: "pii.contains('-')", effect: deny }
`);
    expect(engine.evaluate({}).effect).toBe('deny');
  });

  test('selecting a field of a namespace name is still an input variable (`budget.limit`)', () => {
    expect(compileExpression('budget.limit > 1.0', { registry }).evaluate({ budget: { limit: 2 } })).toBe(true);
  });

  test('`pii.found(x)` and macros on namespace-named input variables are untouched', () => {
    expect(compileExpression("pii.found('call me at 555-0100')", { registry }).evaluate({})).toBe(true);
    expect(issues('rate.all(x, x > 0)')).toEqual([]);
  });
});

describe('one suggestion helper', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: { request: { type: 'object', properties: { model: { type: 'string' } } }, user: {} },
  };

  test('unknown functions, variables and fields use the same threshold', () => {
    expect(issues("request.model.startWith('gpt')")[0]!.hint).toBe('did you mean `startsWith`?');
    expect(issues('reqest.model', schema)[0]).toMatchObject({ code: 'unknown_variable', hint: 'did you mean `request`?' });
    expect(issues('request.modle', schema)[0]).toMatchObject({ code: 'unknown_field', hint: 'did you mean `model`?' });
    expect(issues('request.?modle', schema)[0]).toMatchObject({ code: 'unknown_field', hint: 'did you mean `model`?' });
  });
});

describe('qualified names', () => {
  const variables = new Map([
    ['a', { kind: 'map' }],
    ['a.b.c', { kind: 'string' }],
    ['x.y', { kind: 'map' }],
  ]);
  const resolve = (src: string) => {
    const checked = check(parse(src), { registry, variables });
    expect(checked.issues).toEqual([]);
    return checked.expr;
  };

  test('a declared `a.b.c` is one name, even when `a` is a variable too (cel-go)', () => {
    expect(resolve('a.b.c')).toMatchObject({ k: 'ident', name: 'a.b.c' });
    expect(resolve('a.b.d')).toMatchObject({
      k: 'select',
      field: 'd',
      target: { k: 'select', field: 'b', target: { k: 'ident', name: 'a' } },
    });
  });

  test('the longest declared prefix wins, and the rest are field selections', () => {
    expect(resolve('x.y.z')).toMatchObject({ k: 'select', field: 'z', target: { k: 'ident', name: 'x.y' } });
    expect(resolve('x.y.?z')).toMatchObject({
      k: 'call',
      fn: '_?._',
      args: [
        { k: 'ident', name: 'x.y' },
        { k: 'lit', value: 'z' },
      ],
    });
  });

  test('a macro variable shadows a qualified name', () => {
    const e = resolve('[{}].map(a, a.b.c)');
    expect(e).toMatchObject({
      k: 'macro',
      body: { k: 'select', field: 'c', target: { k: 'select', field: 'b', target: { k: 'ident', name: 'a' } } },
    });
  });
});
