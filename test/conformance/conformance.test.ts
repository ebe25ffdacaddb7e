// The cel-spec conformance suite (simple tests, JSON form from @bufbuild/cel-spec), run as data.
// See docs/conformance.md for what is counted, what is skipped and why.
//
// Every case runs through the compiler and is judged against the expected value. The reference
// interpreter, the compiler with constant folding defeated, and the code generator (folded and
// not) run the same cases and must agree with it, errors included (the generated code with the
// closures to the message). The table printed at the end is the one docs/conformance.md quotes.

import { afterAll, describe, expect, test } from 'vitest';
import { builtinLibrary } from '../../builtins/index.js';
import { Registry } from '../../src/lang/registry.js';
import { skipOf, unusedSkips, type SkipCategory } from './skip.js';
import {
  agree,
  judge,
  loadSuite,
  runCompiled,
  runGenerated,
  runInterpreted,
  runUnfolded,
  showResult,
  type Case,
  type Result,
} from './suite.js';
import { Unrepresentable } from './values.js';

/** The files that need no protobuf messages: they make the pass rate. */
const COUNTED = [
  'basic',
  'comparisons',
  'conversions',
  'fields',
  'fp_math',
  'integer_math',
  'lists',
  'logic',
  'macros',
  'parse',
  'plumbing',
  'string',
  'timestamps',
  'namespace',
  'optionals',
  'macros2',
];
/** Extension libraries: run and reported, not counted (and never failing the run). */
const REPORTED = ['string_ext', 'math_ext', 'bindings_ext'];

const registry = new Registry(builtinLibrary);
const suite = loadSuite();

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  /** Skipped cases that would pass: a hint that a skip entry has become stale. */
  skippedPassing: number;
  /** Cases where the reference interpreter disagrees with the compiler. */
  differ: string[];
  /** Cases where generated code and the closures differ (value, or error code and message). */
  generatedDiffer: string[];
  failures: string[];
}
const tallies = new Map<string, Tally>();
const skippedBy = new Map<SkipCategory, number>();

function tally(file: string): Tally {
  let t = tallies.get(file);
  if (!t) tallies.set(file, (t = { passed: 0, failed: 0, skipped: 0, skippedPassing: 0, differ: [], generatedDiffer: [], failures: [] }));
  return t;
}

function bySection(cases: Case[]): Map<string, Case[]> {
  const out = new Map<string, Case[]>();
  for (const c of cases) {
    if (!out.has(c.section)) out.set(c.section, []);
    out.get(c.section)!.push(c);
  }
  return out;
}

/** Runs a case quietly, for the skipped-but-passing count. */
function wouldPass(c: Case): boolean {
  try {
    return judge(c, registry).pass;
  } catch {
    return false;
  }
}

for (const file of [...COUNTED, ...REPORTED]) {
  const counted = COUNTED.includes(file);
  const cases = suite.get(file);
  if (!cases) throw new Error(`the suite has no file \`${file}\``);
  const t = tally(file);

  describe(file, () => {
    for (const [section, list] of bySection(cases)) {
      describe(section, () => {
        for (const c of list) {
          const skip = skipOf(c.id);
          if (skip !== undefined) {
            t.skipped++;
            if (counted) skippedBy.set(skip.category, (skippedBy.get(skip.category) ?? 0) + 1);
            if (wouldPass(c)) t.skippedPassing++;
            test.skip(`${c.name} -- ${skip.reason}`, () => {});
            continue;
          }
          test(c.name, (ctx) => {
            let verdict: { pass: boolean; message: string };
            try {
              verdict = judge(c, registry);
            } catch (e) {
              if (!(e instanceof Unrepresentable)) throw e;
              verdict = { pass: false, message: `cannot represent the test (add it to skip.ts?): ${e.message}` };
            }
            if (verdict.pass) t.passed++;
            else {
              t.failed++;
              t.failures.push(`${c.id}: ${c.test.expr as string}\n    ${verdict.message}`);
            }
            if (!counted && !verdict.pass) ctx.skip(`not counted: ${verdict.message}`);
            expect(verdict.pass, `${c.test.expr as string}\n${verdict.message}`).toBe(true);
          });
        }
      });
    }

    test('the reference interpreter agrees with the compiler', (ctx) => {
      for (const c of cases) {
        if (skipOf(c.id) !== undefined) continue;
        let a: Result, b: Result, u: Result | undefined;
        try {
          a = runCompiled(c, registry);
          b = runInterpreted(c, registry);
          u = runUnfolded(c, registry);
        } catch (e) {
          // a value the test format cannot represent
          if (e instanceof Unrepresentable) continue;
          throw e;
        }
        if (!agree(a, b) || (u && !agree(u, b))) {
          const unfolded = u ? `\n    unfolded:    ${showResult(u)}` : '';
          t.differ.push(
            `${c.id}: ${c.test.expr as string}\n    compiler:    ${showResult(a)}${unfolded}\n    interpreter: ${showResult(b)}`,
          );
        }
      }
      if (!counted && t.differ.length > 0) ctx.skip(`not counted: ${t.differ.length} differences`);
      expect(t.differ).toEqual([]);
    });

    test('generated code agrees with the closures', () => {
      for (const c of cases) {
        let a: Result, g: Result | undefined, u: Result | undefined, gu: Result | undefined;
        try {
          a = runCompiled(c, registry);
          g = runGenerated(c, registry, false);
          u = runUnfolded(c, registry);
          gu = runGenerated(c, registry, true);
        } catch (e) {
          // a value the test format cannot represent
          if (e instanceof Unrepresentable) continue;
          throw e;
        }
        for (const [closures, generated] of [
          [a, g],
          [u, gu],
        ] as const) {
          if (!closures || !generated) continue;
          if (!agree(closures, generated) || (closures.kind === 'error' && showResult(closures) !== showResult(generated)))
            t.generatedDiffer.push(
              `${c.id}: ${c.test.expr as string}\n    closures:  ${showResult(closures)}\n    generated: ${showResult(generated)}`,
            );
        }
      }
      expect(t.generatedDiffer).toEqual([]);
    });
  });
}

test('every skip entry matches a test', () => {
  expect(unusedSkips()).toEqual([]);
});

afterAll(() => {
  const rows: string[][] = [['file', 'passed', 'failed', 'skipped', 'pass rate', 'interp. diffs']];
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let stale = 0;
  const rate = (p: number, f: number) => (p + f === 0 ? '-' : `${((100 * p) / (p + f)).toFixed(1)}%`);
  for (const file of [...COUNTED, ...REPORTED]) {
    const t = tally(file);
    const counted = COUNTED.includes(file);
    rows.push([
      counted ? file : `${file} (not counted)`,
      String(t.passed),
      String(t.failed),
      String(t.skipped),
      rate(t.passed, t.failed),
      String(t.differ.length),
    ]);
    if (counted) {
      passed += t.passed;
      failed += t.failed;
      skipped += t.skipped;
      stale += t.skippedPassing;
    }
  }
  rows.push(['total (counted files)', String(passed), String(failed), String(skipped), rate(passed, failed), '']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join(' | ')} |`;
  const table = [
    line(rows[0]!),
    `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`,
    ...rows.slice(1).map(line),
  ];
  const out = [
    'cel-spec conformance (standard library)',
    ...table,
    `${passed} passed, ${failed} failed, ${skipped} skipped (counted files); pass rate ${rate(passed, failed)}`,
  ];
  out.push(`skipped by reason: ${[...skippedBy].map(([k, n]) => `${k} ${n}`).join(', ')} (see test/conformance/skip.ts)`);
  if (stale > 0) out.push(`note: ${stale} skipped tests of the counted files would pass`);
  const failures = [...tallies.values()].flatMap((t) => t.failures);
  if (process.env.CONFORMANCE_VERBOSE && failures.length > 0) out.push('', 'failures:', ...failures);
  const differ = [...tallies.values()].flatMap((t) => t.differ);
  if (process.env.CONFORMANCE_VERBOSE && differ.length > 0) out.push('', 'interpreter differences:', ...differ);
  console.log(out.join('\n'));
});
