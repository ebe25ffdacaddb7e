// One plug-in registry (src/util/plugins.ts) for the regex engine, the tokenizer and the model
// catalog: a value installed through one copy of a module is the value every other copy uses,
// and each copy's caches start afresh. A second copy is made here with vi.resetModules, as an
// app that loads both the ESM and the CommonJS build has one (test/architecture/dist.test.ts
// checks the built files themselves).
import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { plugin } from '../../src/util/plugins.js';
import * as regexA from '../../builtins/regex/index.js';
import * as tokenizerA from '../../builtins/llm/tokenizer.js';

async function secondCopy() {
  vi.resetModules();
  const regex = (await import('../../builtins/regex/index.js')) as typeof regexA;
  const tokenizer = (await import('../../builtins/llm/tokenizer.js')) as typeof tokenizerA;
  expect(regex).not.toBe(regexA); // a distinct module instance, with its own caches
  return { regex, tokenizer };
}

function countingEngine(name: string, compiled: string[]): regexA.RegexEngine {
  return {
    name,
    compile(source) {
      compiled.push(`${name}:${source}`);
      return regexA.re2jsEngine.compile(source);
    },
  };
}

afterEach(() => {
  regexA.setRegexEngine(regexA.re2jsEngine);
  tokenizerA.resetTokenizer();
});

describe('plugin slots', () => {
  test('the first definition creates the slot; later ones, with their own default, share it', () => {
    const name = `test-${Math.random()}`;
    const a = plugin(name, () => 'first');
    const b = plugin(name, () => 'second');
    expect(b.get()).toBe('first');
    b.set('installed');
    expect(a.get()).toBe('installed');
    expect(a.generation()).toBe(1);
  });

  test('the generation counts every installation (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 20 }), (values) => {
        const p = plugin(`gen-${Math.random()}`, () => -1);
        for (const v of values) p.set(v);
        expect(p.generation()).toBe(values.length);
        expect(p.get()).toBe(values.length ? values.at(-1) : -1);
      }),
      { numRuns: 30 },
    );
  });
});

describe('regex engine', () => {
  test('an engine installed through one copy is used by the other, whose cache is emptied', async () => {
    const b = await secondCopy();
    const compiled: string[] = [];
    b.regex.setRegexEngine(countingEngine('first', compiled));
    b.regex.compileRegex('^x$');
    b.regex.compileRegex('^x$');
    expect(compiled).toEqual(['first:^x$']);

    const second = countingEngine('second', compiled);
    regexA.setRegexEngine(second);
    expect(b.regex.getRegexEngine()).toBe(second);
    expect(b.regex.compileRegex('^x$').test('x')).toBe(true);
    expect(compiled).toEqual(['first:^x$', 'second:^x$']); // compiled again, by the new engine
  });
});

describe('tokenizer', () => {
  test('a tokenizer installed through one copy counts for the other, whose counts are recounted', async () => {
    const b = await secondCopy();
    const text = 'a text long enough for the count cache to keep it, since short ones are not kept';
    const n = b.tokenizer.countText(text, 'gpt-4o');
    expect(n).toBe(tokenizerA.estimateTokens(text));
    tokenizerA.setTokenizer({ name: 'fixed', count: () => 7 });
    expect(b.tokenizer.getTokenizer().name).toBe('fixed');
    expect(b.tokenizer.countText(text, 'gpt-4o')).toBe(7);
  });
});
