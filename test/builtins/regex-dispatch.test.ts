// Regex dispatch (builtins/regex/dispatch.ts): patterns proven linear-time run on V8's RegExp,
// with RE2's syntax and results. On random patterns and texts, the translated RegExp and re2js
// agree on test, exec (groups included) and matchAll; the catastrophic patterns stay on RE2.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { re2jsEngine, defaultRegexEngine } from '../../builtins/regex/index.js';
import { dispatching, translate } from '../../builtins/regex/dispatch.js';

const alphabet = ['a', 'b', 'x', '-', '.', '@', ' ', '\n', '1', '9', '_', 'é', '🐱', '\u2028'];
const text = fc.array(fc.constantFrom(...alphabet, 'aaaa', '1234', 'a.b'), { maxLength: 24 }).map((xs) => xs.join(''));

const lit = fc.constantFrom('a', 'b', 'x', '-', '\\.', '@', ' ', '1', 'é', '🐱', '\\n', '\\x41', '\\x{1F431}', '\\-', '\\Qa.b\\E');
const cls = fc.constantFrom(
  '[ab]',
  '[^ab]',
  '[a-z]',
  '[0-9.]',
  '[^\\n]',
  '[\\d_]',
  '[A-Za-z0-9._%+-]',
  '[é🐱]',
  '[]a]',
  '\\d',
  '\\w',
  '\\s',
  '\\D',
  '\\W',
  '\\S',
  '.',
);
const quant = fc.constantFrom('', '', '', '*', '+', '?', '{2}', '{1,3}', '{2,}', '*?', '+?', '??', '{0,2}?');
const atom = fc.oneof({ weight: 3, arbitrary: lit }, { weight: 3, arbitrary: cls }, fc.constantFrom('\\b', '\\B', '^', '$'));

const pattern: fc.Arbitrary<string> = fc.letrec((tie) => ({
  p: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(atom, quant).map(([a, q]) => (/^(\\b|\\B|\^|\$)$/.test(a) ? a : a + q)),
    fc.array(tie('p'), { minLength: 1, maxLength: 4 }).map((xs) => xs.join('')),
    fc.tuple(tie('p'), tie('p')).map(([a, b]) => `${a}|${b}`),
    fc.tuple(fc.constantFrom('(', '(?:', '(?P<g>'), tie('p'), quant).map(([o, b, q]) => `${o}${b})${q}`),
  ),
})).p;

const re2 = (p: string) => {
  try {
    return re2jsEngine.compile(p);
  } catch {
    return undefined;
  }
};

describe('dispatch to V8 RegExp', () => {
  test('agrees with re2js on random patterns and texts (test, exec with groups, matchAll)', () => {
    let dispatched = 0;
    let total = 0;
    const engine = dispatching(re2jsEngine);
    fc.assert(
      fc.property(pattern, fc.array(text, { minLength: 1, maxLength: 6 }), (p, texts) => {
        const ref = re2(p);
        if (!ref) return;
        total++;
        if (!translate(p)) return;
        dispatched++;
        const js = engine.compile(p);
        expect(js).not.toBe(ref);
        for (const s of texts) {
          expect(js.test(s), `${p} on ${JSON.stringify(s)}`).toBe(ref.test(s));
          expect(js.exec(s), `${p} on ${JSON.stringify(s)}`).toEqual(ref.exec(s));
          expect(js.matchAll(s, 20), `${p} on ${JSON.stringify(s)}`).toEqual(ref.matchAll(s, 20));
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 3000) },
    );
    // the generator reaches the dispatched subset (or the property would test nothing)
    expect(dispatched).toBeGreaterThan(total / 10);
  });

  test('the W3 patterns run on V8', () => {
    for (const p of [
      '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}',
      '\\b\\d{3}-\\d{2}-\\d{4}\\b',
      '\\b\\d{13,16}\\b',
      'ignore previous instructions|ignore all previous instructions|disregard the above',
    ])
      expect(translate(p), p).toBeDefined();
  });

  test('catastrophic and quadratic patterns stay on RE2', () => {
    for (const p of [
      '(a+)+$',
      '(a|aa)+$',
      '(a*)*b$',
      '^(a|a?)+$',
      '(.*a){20}$',
      '(x+x+)+y',
      'a[ab]+c',
      '\\w+\\w+x',
      '\\b[a-z]+@',
      '(?:a|b)+c',
      '(a|b|ab){1,12}c',
    ])
      expect(translate(p), p).toBeUndefined();
  });

  test('what V8 reads differently stays on RE2 or is translated to RE2 meaning', () => {
    // flags, case folding, Unicode and POSIX classes, octal, captures in repetitions
    for (const p of ['(?i)abc', '(?s).', '\\pL', '[[:alpha:]]', '\\141', '(?:(a)|b){2}', 'a{,3}']) expect(translate(p), p).toBeUndefined();
    const engine = dispatching(re2jsEngine);
    // `.` excludes only \n, and \s is RE2's five spaces (not V8's Unicode spaces)
    expect(engine.compile('^.$').test('\u2028')).toBe(true);
    expect(engine.compile('\\s').test('\u00a0')).toBe(false);
    expect(engine.compile('\\s').test('\v')).toBe(false);
    // the engine decides validity: RE2 rejects what V8 would take, with RE2's message
    expect(() => engine.compile('a**')).toThrow(/invalid nested repetition operator/);
    expect(() => engine.compile('\\8')).toThrow(/invalid escape sequence/);
    expect(defaultRegexEngine.compile('\\b\\d{3}\\b').test('a 123 b')).toBe(true);
  });
});
