// The cel-spec conformance tests that exercise the standard library functions, run against
// the declarations directly (through the mini evaluator, not the real engine): conversions,
// string functions, timestamps and durations.

import { describe, expect, test } from 'vitest';
import { tests } from '@bufbuild/cel-spec/testdata/conformance.js';
import { stdLibrary } from '../../builtins/std/index.js';
import { EvaluationError } from '../../src/lang/errors.js';
import { CelType, CelUint, celEquals, kindOf } from '../../src/lang/values.js';
import { Unsupported, evalMini } from './mini-cel.js';

interface RawTest {
  original: {
    name?: string;
    expr: string;
    value?: Record<string, unknown>;
    evalError?: unknown;
    bindings?: unknown;
    typeEnv?: unknown;
    container?: string;
  };
}
interface RawSuite {
  name: string;
  suites?: RawSuite[];
  tests?: RawTest[];
}

const SUITES = [
  'conversions/',
  'string/size',
  'string/starts_with',
  'string/ends_with',
  'string/matches',
  'string/contains',
  'timestamps/',
];

/** Type denotations the mini evaluator can resolve as plain identifiers. */
const TYPE_NAMES = Object.fromEntries(
  ['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type'].map((n) => [n, CelType.of(n)]),
);

function collect(s: RawSuite, path: string, out: { path: string; t: RawTest }[]): void {
  for (const t of s.tests ?? []) out.push({ path: `${path}/${t.original.name ?? t.original.expr}`, t });
  for (const c of s.suites ?? []) collect(c, path ? `${path}/${c.name}` : c.name, out);
}

function expected(v: Record<string, unknown>): unknown {
  if ('int64Value' in v) return BigInt(v.int64Value as string);
  if ('uint64Value' in v) return new CelUint(BigInt(v.uint64Value as string));
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('bytesValue' in v) return new Uint8Array(Buffer.from(v.bytesValue as string, 'base64'));
  if ('typeValue' in v) return CelType.of(v.typeValue as string);
  if ('nullValue' in v) return null;
  throw new Unsupported(`expected value ${JSON.stringify(v)}`);
}

const all: { path: string; t: RawTest }[] = [];
collect(tests as unknown as RawSuite, '', all);
const selected = all.filter(({ path, t }) => SUITES.some((p) => path.startsWith(p)) && !t.original.bindings && !t.original.container);

describe('cel-spec conformance (standard library functions)', () => {
  let ran = 0;
  const skipped: string[] = [];
  for (const { path, t } of selected) {
    test(path, () => {
      const o = t.original;
      let got: unknown;
      let thrown: unknown;
      try {
        got = evalMini(o.expr, stdLibrary, TYPE_NAMES);
      } catch (e) {
        if (e instanceof Unsupported) {
          skipped.push(path);
          return;
        }
        thrown = e;
      }
      if (o.evalError) {
        expect(thrown, `${o.expr} should fail`).toBeInstanceOf(EvaluationError);
      } else {
        if (thrown) throw thrown;
        let want: unknown;
        try {
          want = expected(o.value ?? { boolValue: true });
        } catch (e) {
          if (e instanceof Unsupported) {
            skipped.push(path);
            return;
          }
          throw e;
        }
        expect(kindOf(got)).toBe(kindOf(want));
        if (typeof want === 'number' && Number.isNaN(want)) expect(Number.isNaN(got)).toBe(true);
        else expect(celEquals(got, want), `${o.expr}: got ${String(got)}, want ${String(want)}`).toBe(true);
      }
      ran++;
    });
  }
  test('most selected tests ran', () => {
    expect(ran).toBeGreaterThan(200);
    // Every skip is an expression outside the mini evaluator (operators other than time
    // arithmetic and comparisons, qualified type names, `dyn` as a bare name).
    for (const p of skipped) expect(p).toMatch(/^(conversions|timestamps)\//);
  });
});
