// Every standard library declaration is complete, and every example gives its stated
// result (checked through the mini evaluator; the engine-level test re-checks them with
// the real parser and compiler).

import { describe, expect, test } from 'vitest';
import { builtinLibrary } from '../../builtins/index.js';
import { stdLibrary } from '../../builtins/std/index.js';
import { EvaluationError } from '../../src/lang/errors.js';
import { Registry } from '../../src/lang/registry.js';
import { celEquals, kindOf } from '../../src/lang/values.js';
import { Unsupported, evalMini } from './mini-cel.js';

const TYPE_NAME = /^(int|uint|double|bool|string|bytes|null_type|timestamp|duration|type|dyn|[A-Z]|list\([A-Z]\)|map\([A-Z], [A-Z]\))$/;

describe('declarations', () => {
  test('names are unique and the registry accepts them', () => {
    const names = stdLibrary.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(() => new Registry(builtinLibrary)).not.toThrow();
  });

  test('overload ids are unique across the library', () => {
    const ids = stdLibrary.flatMap((d) => d.overloads.map((o) => o.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  for (const d of stdLibrary) {
    test(`${d.name} is documented and well-typed`, () => {
      expect(d.category).toMatch(/^[a-z]+$/);
      expect(d.description.length).toBeGreaterThan(10);
      expect(d.description).not.toMatch(/\n/);
      expect(d.description).not.toMatch(/\.$/);
      expect(d.purity).toBe('pure');
      expect(d.examples?.length ?? 0).toBeGreaterThanOrEqual(2);
      expect(d.overloads.length).toBeGreaterThan(0);
      for (const o of d.overloads) {
        expect(o.id).toMatch(/^[a-z0-9_]+$/);
        expect(typeof o.impl).toBe('function');
        if (o.receiver !== undefined) expect(o.receiver).toMatch(TYPE_NAME);
        for (const p of o.params) expect(p).toMatch(TYPE_NAME);
        expect(o.result).toMatch(TYPE_NAME);
      }
      // No two overloads of one call style take the same argument kinds.
      const sigs = d.overloads.map((o) => `${o.receiver ?? '-'}(${o.params.join(',')})`);
      expect(new Set(sigs).size).toBe(sigs.length);
    });
  }
});

describe('examples', () => {
  let checked = 0;
  let total = 0;
  for (const d of stdLibrary) {
    for (const ex of d.examples ?? []) {
      total++;
      test(`${d.name}: ${ex.expr}`, () => {
        let got: unknown;
        let thrown: unknown;
        try {
          got = evalMini(ex.expr, stdLibrary, ex.bindings);
        } catch (e) {
          if (e instanceof Unsupported) return;
          thrown = e;
        }
        const want = ex.result as { error?: string } | unknown;
        if (typeof want === 'object' && want !== null && 'error' in (want as object) && Object.keys(want as object).length === 1) {
          expect(thrown).toBeInstanceOf(EvaluationError);
          expect((thrown as EvaluationError).code).toBe((want as { error: string }).error);
        } else {
          if (thrown) throw thrown;
          expect(kindOf(got)).toBe(kindOf(want));
          expect(celEquals(got, want), `${ex.expr}: got ${String(got)}`).toBe(true);
        }
        checked++;
      });
    }
  }
  test('every example was checked', () => {
    expect(checked).toBe(total);
  });
});
