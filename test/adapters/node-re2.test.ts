// Both regex engines: the native `re2` addon (optional dependency, Node only) and re2js
// (the runtime-neutral default) give the same answers. CI installs the addon and sets
// REQUIRE_NATIVE_RE2=1, so a broken native build fails there instead of being skipped.
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { getRegexEngine, re2jsEngine, setRegexEngine, type RegexEngine } from '../../builtins/regex/index.js';
import { loadNativeRe2 } from '../../src/adapters/regex/re2.js';
import { compileExpression } from '../../src/entries/index.js';

const native = loadNativeRe2();
const before = getRegexEngine();
afterAll(() => setRegexEngine(before));

test('the native addon loads where it is installed', () => {
  if (process.env.REQUIRE_NATIVE_RE2) expect(native.reason).toBeUndefined();
  if (native.engine) expect(native.engine.name).toBe('re2');
});

const PATTERNS = [
  '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}',
  '\\b\\d{3}-\\d{2}-\\d{4}\\b',
  '\\b\\d{13,16}\\b',
  '^(a+)+$',
  '(?i)ignore (all )?previous instructions',
  'x*',
  '\\p{Greek}+',
  'é|🐱',
  '(\\w+)@(\\w+)',
];

const TEXTS = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc
    .array(fc.constantFrom('a', 'b', '@', '.', '-', ' ', '1', '2', 'é', '🐱', 'α', 'x', 'I', 'G'), { maxLength: 20 })
    .map((a) => a.join('')),
  fc.constantFrom('mail jane.doe@example.com now', 'ssn 123-45-6789.', 'card 4111111111111111', 'aaaa', 'IGNORE previous instructions', ''),
);

describe.runIf(native.engine !== undefined)('native re2 agrees with re2js', () => {
  const engines: [string, RegexEngine][] = [
    ['re2js', re2jsEngine],
    ['re2', native.engine!],
  ];

  test('test, exec and matchAll give the same results on generated texts', () => {
    const compiled = engines.map(([, e]) => PATTERNS.map((p) => e.compile(p)));
    fc.assert(
      fc.property(TEXTS, (s) => {
        for (let i = 0; i < PATTERNS.length; i++) {
          const [a, b] = compiled.map((c) => c[i]!);
          expect(b.test(s), `${PATTERNS[i]} on ${JSON.stringify(s)}`).toBe(a.test(s));
          expect(b.exec(s)).toEqual(a.exec(s));
          expect(b.matchAll(s, 20)).toEqual(a.matchAll(s, 20));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('an invalid pattern is rejected by both', () => {
    for (const [, e] of engines) expect(() => e.compile('(a')).toThrow();
    for (const [, e] of engines) expect(() => e.compile('(?<=a)b')).toThrow();
  });

  test.each(engines)('policies evaluate `matches` the same way with %s', (_name, e) => {
    setRegexEngine(e);
    const x = compileExpression("prompt.matches(r'\\b\\d{3}-\\d{2}-\\d{4}\\b') && !prompt.matches('(?i)ignore previous')");
    expect(x.evaluate({ prompt: 'my ssn is 123-45-6789' })).toBe(true);
    expect(x.evaluate({ prompt: 'Ignore previous: 123-45-6789' })).toBe(false);
  });
});
