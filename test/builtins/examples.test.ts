// Every documented example runs through the real parser, checker and compiler, and
// docs/builtins.md is exactly what the registry renders.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { builtinLibrary } from '../../builtins/index.js';
import { compileExpression } from '../../src/entries/index.js';
import { EvaluationError } from '../../src/lang/errors.js';
import { celEquals, kindOf } from '../../src/lang/values.js';
import { renderBuiltinsDoc, show } from '../../scripts/builtins-doc.js';

describe('documented examples', () => {
  for (const d of builtinLibrary) {
    for (const ex of d.examples ?? []) {
      test(`${d.name}: ${ex.expr}`, () => {
        const expected = ex.result as unknown;
        let got: unknown;
        try {
          got = compileExpression(ex.expr, { clock: () => Date.UTC(2026, 0, 5, 10, 0, 0) }).evaluate(ex.bindings ?? {});
        } catch (e) {
          if (e instanceof EvaluationError && expected && typeof expected === 'object' && 'error' in expected) {
            expect(e.code).toBe((expected as { error: string }).error);
            return;
          }
          throw e;
        }
        expect(show(got)).toBe(show(expected));
        expect(kindOf(got)).toBe(kindOf(expected));
        expect(celEquals(got, expected) || (Number.isNaN(got) && Number.isNaN(expected))).toBe(true);
      });
    }
  }
});

test('docs/builtins.md is generated from the registry (run `npm run docs:builtins` after a change)', () => {
  const path = new URL('../../docs/builtins.md', import.meta.url);
  const fresh = renderBuiltinsDoc(builtinLibrary);
  if (process.env.UPDATE_DOCS) writeFileSync(path, fresh);
  expect(readFileSync(path, 'utf8')).toBe(fresh);
});
