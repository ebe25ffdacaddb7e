// The regex module: the re2js engine, the bounded cache, and plugging in another engine.

import { afterEach, describe, expect, test } from 'vitest';
import {
  REGEX_CACHE_SIZE,
  RegexSyntaxError,
  clearRegexCache,
  compileRegex,
  defaultRegexEngine,
  getRegexEngine,
  re2jsEngine,
  regexCacheSize,
  regexMatches,
  setRegexEngine,
  type CompiledRegex,
  type RegexEngine,
} from '../../builtins/regex/index.js';
import { EvaluationError } from '../../src/lang/errors.js';

afterEach(() => {
  setRegexEngine(defaultRegexEngine);
});

describe('re2js engine', () => {
  test('test is a search; exec and matchAll report offsets and groups', () => {
    const re = re2jsEngine.compile('(\\d+)-(\\d+)');
    expect(re.source).toBe('(\\d+)-(\\d+)');
    expect(re.test('ab 12-34 x')).toBe(true);
    expect(re.test('ab 12- x')).toBe(false);
    expect(re.exec('ab 12-34 x')).toEqual({ index: 3, end: 8, groups: ['12-34', '12', '34'] });
    expect(re.exec('none')).toBeNull();
    expect(re.matchAll('1-2 3-4 5-6').map((m) => m.groups[0])).toEqual(['1-2', '3-4', '5-6']);
    expect(re.matchAll('1-2 3-4 5-6', 2)).toHaveLength(2);
    expect(re.matchAll('1-2', 0)).toEqual([]);
    expect(re2jsEngine.compile('(a)|(b)').exec('b')!.groups).toEqual(['b', undefined, 'b']);
  });
  test('offsets are UTF-16 units', () => {
    const m = re2jsEngine.compile('b').exec('🐱b')!;
    expect(m.index).toBe(2);
    expect(m.end).toBe(3);
  });
  test('ignoreCase flag', () => {
    expect(re2jsEngine.compile('abc', { ignoreCase: true }).test('xABCx')).toBe(true);
    expect(re2jsEngine.compile('abc').test('xABCx')).toBe(false);
  });
  test('an invalid pattern throws RegexSyntaxError with the reason', () => {
    expect(() => re2jsEngine.compile('(')).toThrow(RegexSyntaxError);
    try {
      re2jsEngine.compile('a{1001}');
    } catch (e) {
      expect((e as RegexSyntaxError).reason).toMatch(/invalid repeat count/);
      expect((e as RegexSyntaxError).source).toBe('a{1001}');
    }
  });
});

describe('compileRegex', () => {
  test('caches compiled patterns, per flag set', () => {
    clearRegexCache();
    const a = compileRegex('^x+$');
    expect(compileRegex('^x+$')).toBe(a);
    const b = compileRegex('^x+$', { ignoreCase: true });
    expect(b).not.toBe(a);
    expect(b.test('XX')).toBe(true);
    expect(regexCacheSize()).toBe(2);
  });
  test('the cache is bounded and keeps the recently used patterns', () => {
    clearRegexCache();
    const hot = compileRegex('hot');
    for (let i = 0; i < REGEX_CACHE_SIZE * 2; i++) {
      compileRegex(`p${i}`);
      if (i % 50 === 0) expect(compileRegex('hot')).toBe(hot);
    }
    expect(regexCacheSize()).toBeLessThanOrEqual(REGEX_CACHE_SIZE);
    expect(compileRegex('hot')).toBe(hot);
  });
  test('an invalid pattern is EvaluationError invalid_argument, and is not cached', () => {
    clearRegexCache();
    let err: unknown;
    try {
      compileRegex('(?P<name');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EvaluationError);
    expect((err as EvaluationError).code).toBe('invalid_argument');
    expect((err as EvaluationError).message).toMatch(/^invalid regular expression `\(\?P<name`: /);
    expect(regexCacheSize()).toBe(0);
  });
  test('regexMatches', () => {
    expect(regexMatches('hubba', 'ubb')).toBe(true);
    expect(regexMatches('hubba', '^ubb')).toBe(false);
  });
});

describe('setRegexEngine', () => {
  test('another engine (e.g. the native re2 addon) is used for new patterns', () => {
    const compiled: string[] = [];
    const fake: RegexEngine = {
      name: 'fake',
      compile(source: string): CompiledRegex {
        if (source === 'bad') throw new Error('nope');
        compiled.push(source);
        const re = new RegExp(source);
        return {
          source,
          test: (s) => re.test(s),
          exec: () => null,
          matchAll: () => [],
        };
      },
    };
    compileRegex('^cached-before$');
    setRegexEngine(fake);
    expect(getRegexEngine()).toBe(fake);
    expect(compileRegex('^cached-before$').test('cached-before')).toBe(true);
    expect(compiled).toEqual(['^cached-before$']); // the cache was emptied
    expect(() => compileRegex('bad')).toThrow(/invalid regular expression `bad`: nope/);
    setRegexEngine(re2jsEngine);
    expect(getRegexEngine().name).toBe('re2js');
  });
});
