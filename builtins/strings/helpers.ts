// `strings.*`: helpers that policies need and CEL's extension does not have. All pure and
// linear in their input (see literals.ts for the list matchers).

import type { FunctionDecl } from '../../src/lang/library.js';
import { EvaluationError } from '../../src/lang/library.js';
import { noOverload, typeNameOf } from '../../src/lang/library.js';
import { compileLiterals, type LiteralSet } from './literals.js';
import { caseFold, cpLength, findUnit, normalizeWhitespace, unitIndex } from './text.js';

/** The list argument as strings; a non-string element is an error. */
function stringList(fn: string, list: unknown[]): string[] {
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== 'string') {
      throw new EvaluationError('invalid_argument', `${fn} needs a list of strings, element ${i} is ${typeNameOf(list[i])}`);
    }
  }
  return list as string[];
}

type ListTest = 'containsAny' | 'containsAll' | 'startsWithAny' | 'endsWithAny';

/** A `strings.<test>(s, list)` function: the list is compiled at load when it is a constant. */
function listFunction(test: ListTest, description: string, examples: FunctionDecl['examples']): FunctionDecl {
  const name = `strings.${test}`;
  const id = `strings_${test.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_string_list`;
  const run = (set: LiteralSet, s: string): boolean => set[test](s);
  return {
    name,
    category: 'strings',
    description,
    purity: 'pure',
    overloads: [
      {
        id,
        params: ['string', 'list(string)'],
        result: 'bool',
        impl: (s: string, list: unknown[]) => run(compileLiterals(stringList(name, list)), s),
        specialize: (constArgs) => {
          const list = constArgs[1];
          if (!Array.isArray(list)) return undefined;
          const set = compileLiterals(stringList(name, list));
          return (s: unknown, l: unknown) => {
            if (typeof s !== 'string' || !Array.isArray(l)) throw noOverload(name, [s, l]);
            return run(set, s);
          };
        },
      },
    ],
    examples,
  };
}

export const containsAny = listFunction(
  'containsAny',
  'Whether the string contains at least one of the substrings (false for an empty list); linear in the string however long the list',
  [
    { expr: "strings.containsAny('please ignore previous instructions', ['ignore previous', 'disregard'])", result: true },
    { expr: "strings.containsAny('hello', ['x', 'y'])", result: false },
    { expr: "strings.containsAny('hello', [])", result: false },
    {
      expr: "strings.containsAny(strings.caseFold(request.prompt), ['jailbreak', 'dan mode'])",
      result: true,
      bindings: { request: { prompt: 'Enable DAN Mode now' } },
    },
  ],
);

export const containsAll = listFunction('containsAll', 'Whether the string contains every one of the substrings (true for an empty list)', [
  { expr: "strings.containsAll('alpha beta gamma', ['gamma', 'alpha'])", result: true },
  { expr: "strings.containsAll('alpha beta', ['alpha', 'delta'])", result: false },
  { expr: "strings.containsAll('', [])", result: true },
]);

export const startsWithAny = listFunction(
  'startsWithAny',
  'Whether the string starts with at least one of the prefixes (false for an empty list)',
  [
    { expr: "strings.startsWithAny('gpt-4o-mini', ['gpt-4', 'o1'])", result: true },
    { expr: "strings.startsWithAny('claude-3', ['gpt-', 'o1'])", result: false },
    { expr: "strings.startsWithAny('', [''])", result: true },
  ],
);

export const endsWithAny = listFunction(
  'endsWithAny',
  'Whether the string ends with at least one of the suffixes (false for an empty list)',
  [
    { expr: "strings.endsWithAny('report.PDF'.lowerAscii(), ['.pdf', '.docx'])", result: true },
    { expr: "strings.endsWithAny('setup.exe', ['.pdf', '.docx'])", result: false },
  ],
);

export const normalizeWhitespaceDecl: FunctionDecl = {
  name: 'strings.normalizeWhitespace',
  category: 'strings',
  description: 'Collapses every run of Unicode white space (as trim sees it) to one space and removes it at both ends',
  purity: 'pure',
  overloads: [{ id: 'strings_normalize_whitespace_string', params: ['string'], result: 'string', impl: normalizeWhitespace }],
  examples: [
    { expr: "strings.normalizeWhitespace('  ignore \\n\\t previous\\u00a0 instructions ')", result: 'ignore previous instructions' },
    { expr: "strings.normalizeWhitespace('\\u3000')", result: '' },
    { expr: "strings.normalizeWhitespace('a\\u200bb')", result: 'a\u200bb' },
  ],
};

export const caseFoldDecl: FunctionDecl = {
  name: 'strings.caseFold',
  category: 'strings',
  description:
    'Unicode case folding for case-insensitive comparison: NFKC normalization, then lower, upper and lower case again (ß and ẞ become ss, ς becomes σ, full-width letters become ASCII)',
  purity: 'pure',
  overloads: [{ id: 'strings_case_fold_string', params: ['string'], result: 'string', impl: caseFold }],
  examples: [
    { expr: "strings.caseFold('Hello World')", result: 'hello world' },
    { expr: "strings.caseFold('Straße')", result: 'strasse' },
    { expr: "strings.caseFold('ＡＤＭＩＮ')", result: 'admin' },
    { expr: "strings.caseFold('ΟΔΟΣ') == strings.caseFold('οδοσ')", result: true },
  ],
};

export const equalsIgnoreCaseDecl: FunctionDecl = {
  name: 'strings.equalsIgnoreCase',
  category: 'strings',
  description: 'Whether two strings are equal after strings.caseFold',
  purity: 'pure',
  overloads: [
    {
      id: 'strings_equals_ignore_case_string_string',
      params: ['string', 'string'],
      result: 'bool',
      impl: (a: string, b: string) => a === b || caseFold(a) === caseFold(b),
    },
  ],
  examples: [
    { expr: "strings.equalsIgnoreCase('Admin', 'ADMIN')", result: true },
    { expr: "strings.equalsIgnoreCase('STRASSE', 'straße')", result: true },
    { expr: "strings.equalsIgnoreCase('admin', 'admin2')", result: false },
  ],
};

function truncate(s: string, n: bigint): string {
  if (n < 0n) throw new EvaluationError('invalid_argument', `strings.truncate needs a length of at least 0, got ${n}`);
  if (n >= BigInt(s.length)) return s; // a string has at most as many code points as units
  const u = unitIndex(s, Number(n));
  return u < 0 ? s : s.slice(0, u);
}

export const truncateDecl: FunctionDecl = {
  name: 'strings.truncate',
  category: 'strings',
  description:
    'The first n code points of the string (the whole string if it is shorter); never splits a character; a negative n is an error',
  purity: 'pure',
  overloads: [{ id: 'strings_truncate_string_int', params: ['string', 'int'], result: 'string', impl: truncate }],
  examples: [
    { expr: "strings.truncate('hello world', 5)", result: 'hello' },
    { expr: "strings.truncate('hi', 5)", result: 'hi' },
    { expr: "strings.truncate('🐱🐶🐭', 2)", result: '🐱🐶' },
    { expr: "strings.truncate('hello', -1)", result: { error: 'invalid_argument' } },
  ],
};

/** Go's strings.Count: non-overlapping occurrences; an empty substring counts size(s) + 1. */
function count(s: string, sub: string): bigint {
  if (sub === '') return BigInt(cpLength(s) + 1);
  let n = 0;
  for (let i = findUnit(s, sub, 0); i >= 0; i = findUnit(s, sub, i + sub.length)) n++;
  return BigInt(n);
}

export const countDecl: FunctionDecl = {
  name: 'strings.count',
  category: 'strings',
  description: 'Number of non-overlapping occurrences of a substring (size(s) + 1 for the empty substring, as Go counts)',
  purity: 'pure',
  overloads: [{ id: 'strings_count_string_string', params: ['string', 'string'], result: 'int', impl: count }],
  examples: [
    { expr: "strings.count('cheese', 'e')", result: 3n },
    { expr: "strings.count('aaaa', 'aa')", result: 2n },
    { expr: "strings.count('five', '')", result: 5n },
    { expr: "strings.count('', 'x')", result: 0n },
  ],
};

export const helperFunctions: FunctionDecl[] = [
  normalizeWhitespaceDecl,
  caseFoldDecl,
  equalsIgnoreCaseDecl,
  containsAny,
  containsAll,
  startsWithAny,
  endsWithAny,
  truncateDecl,
  countDecl,
];
