// Helpers for the library tests. `run` sends an expression through the compiler and through the
// reference interpreter, which must
// agree (value and kind, NaN included, or the same error code); `fails` expects an error code.
import { expect } from 'vitest';
import { builtinLibrary } from '../../builtins/index.js';
import { compileExpression } from '../../src/entries/index.js';
import { check } from '../../src/lang/checker.js';
import { EvaluationError, PolicyError, type EvaluationErrorCode } from '../../src/lang/errors.js';
import { interpret } from '../../src/lang/interpret.js';
import { parse } from '../../src/lang/parser.js';
import { Registry } from '../../src/lang/registry.js';
import { celEquals, kindOf } from '../../src/lang/values.js';

const registry = new Registry(builtinLibrary);

export type Outcome = { value: unknown } | { error: EvaluationErrorCode };

function attempt(f: () => unknown): Outcome {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof EvaluationError) return { error: e.code };
    throw e;
  }
}

/** Same kind and value, NaN included (which celEquals never finds equal). */
export function identical(a: unknown, b: unknown): boolean {
  if (kindOf(a) !== kindOf(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => identical(x, (b as unknown[])[i]));
  if (typeof a === 'number' && Number.isNaN(a)) return Number.isNaN(b);
  return celEquals(a, b);
}

function show(o: Outcome): string {
  return 'error' in o ? `error ${o.error}` : String(o.value);
}

// Property tests evaluate the same few expressions hundreds of times: compile and check each once.
const prepared = new Map<string, { expression: ReturnType<typeof compileExpression>; checked: ReturnType<typeof check> }>();
function prepare(src: string) {
  let p = prepared.get(src);
  if (!p) prepared.set(src, (p = { expression: compileExpression(src), checked: check(parse(src), { registry }) }));
  return p;
}

/** The outcome of `src` with `input` bound; fails the test when compiler and interpreter differ. */
export function run(src: string, input: Record<string, unknown> = {}): Outcome {
  const { expression, checked } = prepare(src);
  const compiled = attempt(() => expression.evaluate(input));
  expect(checked.issues).toEqual([]);
  const interpreted = attempt(() => interpret(checked.expr, { registry, lookup: (n) => input[n] }));
  const agree =
    'error' in compiled || 'error' in interpreted
      ? 'error' in compiled && 'error' in interpreted && compiled.error === interpreted.error
      : identical(compiled.value, interpreted.value);
  expect(agree, `${src}: compiler ${show(compiled)} vs interpreter ${show(interpreted)}`).toBe(true);
  return compiled;
}

export const value = (src: string, input?: Record<string, unknown>): unknown => {
  const o = run(src, input);
  if ('error' in o) throw new Error(`${src} failed with ${o.error}`);
  return o.value;
};

export const error = (src: string, input?: Record<string, unknown>): string => {
  const o = run(src, input);
  return 'error' in o ? o.error : `value ${String(o.value)}`;
};

/** The code of the first load error of `src`, or 'none'. */
export function loadError(src: string): string {
  try {
    compileExpression(src);
  } catch (e) {
    if (e instanceof PolicyError) return e.issues[0]!.code;
    throw e;
  }
  return 'none';
}

/** `f` throws an EvaluationError with `code` (and a message matching `message`, worded without a final period). */
export function fails(f: () => unknown, code: EvaluationErrorCode, message?: RegExp): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected an EvaluationError').toBeInstanceOf(EvaluationError);
  expect((thrown as EvaluationError).code).toBe(code);
  if (message) expect((thrown as EvaluationError).message).toMatch(message);
  expect((thrown as EvaluationError).message).not.toMatch(/\.$/);
}
