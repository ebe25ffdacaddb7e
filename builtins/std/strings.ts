// size, contains, startsWith, endsWith, matches.

import type { FunctionDecl } from '../../src/lang/library.js';
import { mapSize, noOverload } from '../../src/lang/library.js';
import { compileRegex } from '../regex/index.js';
import { codePointLength } from './numbers.js';

const sizeString = (s: string): bigint => BigInt(codePointLength(s));
const sizeBytes = (b: Uint8Array): bigint => BigInt(b.length);
const sizeList = (l: unknown[]): bigint => BigInt(l.length);
const sizeMap = (m: object): bigint => BigInt(mapSize(m));

export const size: FunctionDecl = {
  name: 'size',
  category: 'core',
  description: 'Number of elements of a list, entries of a map, bytes of a bytes value, or Unicode code points of a string',
  purity: 'pure',
  overloads: [
    { id: 'size_string', params: ['string'], result: 'int', impl: sizeString },
    { id: 'size_bytes', params: ['bytes'], result: 'int', impl: sizeBytes },
    { id: 'size_list', params: ['list(A)'], result: 'int', impl: sizeList },
    { id: 'size_map', params: ['map(K, V)'], result: 'int', impl: sizeMap },
    { id: 'string_size', receiver: 'string', params: [], result: 'int', impl: sizeString },
    { id: 'bytes_size', receiver: 'bytes', params: [], result: 'int', impl: sizeBytes },
    { id: 'list_size', receiver: 'list(A)', params: [], result: 'int', impl: sizeList },
    { id: 'map_size', receiver: 'map(K, V)', params: [], result: 'int', impl: sizeMap },
  ],
  examples: [
    { expr: "size('hello')", result: 5n },
    { expr: "size('héllo 🐱')", result: 7n },
    { expr: "'🐱😀'.size()", result: 2n },
    { expr: "size(b'abc')", result: 3n },
    { expr: '[1, 2, 3].size()', result: 3n },
    { expr: "size({'a': 1, 'b': 2})", result: 2n },
    { expr: 'size(request.messages)', result: 2n, bindings: { request: { messages: [{}, {}] } } },
  ],
};

export const contains: FunctionDecl = {
  name: 'contains',
  category: 'strings',
  description: 'Whether the string contains the substring',
  purity: 'pure',
  overloads: [
    {
      id: 'contains_string',
      receiver: 'string',
      params: ['string'],
      result: 'bool',
      impl: (s: string, sub: string) => s.includes(sub),
    },
  ],
  examples: [
    { expr: "'hello'.contains('ell')", result: true },
    { expr: "'hello'.contains('')", result: true },
    { expr: "'hello'.contains('ol')", result: false },
  ],
};

export const startsWith: FunctionDecl = {
  name: 'startsWith',
  category: 'strings',
  description: 'Whether the string begins with the prefix',
  purity: 'pure',
  overloads: [
    {
      id: 'starts_with_string',
      receiver: 'string',
      params: ['string'],
      result: 'bool',
      impl: (s: string, prefix: string) => s.startsWith(prefix),
    },
  ],
  examples: [
    { expr: "'gpt-4o-mini'.startsWith('gpt-4o')", result: true },
    { expr: "'foobar'.startsWith('bar')", result: false },
    { expr: "''.startsWith('')", result: true },
  ],
};

export const endsWith: FunctionDecl = {
  name: 'endsWith',
  category: 'strings',
  description: 'Whether the string ends with the suffix',
  purity: 'pure',
  overloads: [
    {
      id: 'ends_with_string',
      receiver: 'string',
      params: ['string'],
      result: 'bool',
      impl: (s: string, suffix: string) => s.endsWith(suffix),
    },
  ],
  examples: [
    { expr: "'report.pdf'.endsWith('.pdf')", result: true },
    { expr: "'foobar'.endsWith('foo')", result: false },
    { expr: "'🐱😀😛'.endsWith('😛')", result: true },
  ],
};

const matchesImpl = (s: string, pattern: string): boolean => compileRegex(pattern).test(s);

/** A constant pattern is compiled once, at load; an invalid one is a load error. */
const specializeMatches = (constArgs: unknown[]) => {
  const pattern = constArgs[1];
  if (typeof pattern !== 'string') return undefined;
  const re = compileRegex(pattern);
  return (s: unknown, p: unknown): boolean => {
    if (typeof s !== 'string' || typeof p !== 'string') throw noOverload('matches', [s, p]);
    return re.test(s);
  };
};

export const matches: FunctionDecl = {
  name: 'matches',
  category: 'strings',
  description: 'Whether an RE2 regular expression matches anywhere in the string (use ^ and $ to match the whole string)',
  purity: 'pure',
  overloads: [
    {
      id: 'matches',
      params: ['string', 'string'],
      result: 'bool',
      impl: matchesImpl,
      specialize: specializeMatches,
    },
    {
      id: 'matches_string',
      receiver: 'string',
      params: ['string'],
      result: 'bool',
      impl: matchesImpl,
      specialize: specializeMatches,
    },
  ],
  examples: [
    { expr: "'hubba'.matches('ubb')", result: true },
    { expr: "matches('abc', '^b')", result: false },
    { expr: "'gpt-4o-2024-08-06'.matches('^gpt-4o(-[0-9]{4}-[0-9]{2}-[0-9]{2})?$')", result: true },
    { expr: "'🐱😀😀'.matches('(a|😀){2}')", result: true },
    { expr: 'user.email.matches(pattern)', result: true, bindings: { user: { email: 'a@example.com' }, pattern: '@example\\.com$' } },
  ],
};

export const stringFunctions: FunctionDecl[] = [size, contains, startsWith, endsWith, matches];
