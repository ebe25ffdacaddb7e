// CEL's strings extension (cel-go ext/strings.go, library version 4): charAt, indexOf,
// lastIndexOf, lowerAscii, upperAscii, replace, split, substring, trim, join, reverse,
// strings.quote (format is in format.ts). Names, overload ids and semantics are cel-go's;
// indexes count Unicode code points. Where cel-go's behaviour is an accident rather than a
// rule (an unchecked offset when the search string is empty, an error for `''.indexOf('a')`)
// we give the sensible answer and say so in the description.

import type { FunctionDecl } from '../../src/lang/library.js';
import { EvaluationError } from '../../src/lang/library.js';
import { typeNameOf } from '../../src/lang/library.js';
import { listReverse } from '../lists/index.js';
import {
  charAtUnit,
  checkIndex,
  codePoints,
  cpIndex,
  cpLength,
  findUnit,
  hasSurrogates,
  lowerAscii as lowerAsciiText,
  splitsPair,
  trimSpace,
  unitIndex,
  upperAscii as upperAsciiText,
} from './text.js';
import { table } from '../../src/lang/library.js';

// ------------------------------------------------------------------ search helpers

/** Last UTF-16 index <= from where `sub` (non-empty) starts on a character boundary, or -1. */
function findLastUnit(s: string, sub: string, from: number): number {
  let i = s.lastIndexOf(sub, from);
  // A needle that starts with a lone low surrogate could match inside a pair: skip those.
  while (i > 0 && splitsPair(s, i)) i = s.lastIndexOf(sub, i - 1);
  return i;
}

function charAt(s: string, i: bigint): string {
  if (!hasSurrogates(s)) {
    const k = checkIndex(i, s.length);
    return k === s.length ? '' : s[k]!;
  }
  const u = unitIndex(s, checkIndex(i, cpLength(s)));
  return u >= s.length ? '' : charAtUnit(s, u);
}

function indexOf(s: string, sub: string): bigint {
  if (sub === '') return 0n;
  const u = findUnit(s, sub, 0);
  if (u < 0) return -1n;
  return BigInt(hasSurrogates(s) ? cpIndex(s, u) : u);
}

function indexOfFrom(s: string, sub: string, offset: bigint): bigint {
  const surr = hasSurrogates(s);
  const len = surr ? cpLength(s) : s.length;
  // cel-go: an offset outside [0, size) is an error; an empty needle returns the offset,
  // which may equal the size (cel-go returns any offset unchecked for an empty needle).
  const off = checkIndex(offset, sub === '' ? len : len - 1, len, 'offset');
  if (sub === '') return BigInt(off);
  const from = surr ? unitIndex(s, off) : off;
  const u = findUnit(s, sub, from);
  if (u < 0) return -1n;
  return BigInt(surr ? off + cpIndex(s, u, from) : u);
}

function lastIndexOf(s: string, sub: string): bigint {
  const surr = hasSurrogates(s);
  if (sub === '') return BigInt(surr ? cpLength(s) : s.length);
  const u = findLastUnit(s, sub, s.length);
  if (u < 0) return -1n;
  return BigInt(surr ? cpIndex(s, u) : u);
}

function lastIndexOfFrom(s: string, sub: string, offset: bigint): bigint {
  const surr = hasSurrogates(s);
  const len = surr ? cpLength(s) : s.length;
  const off = checkIndex(offset, sub === '' ? len : len - 1, len, 'offset');
  if (sub === '') return BigInt(off);
  const from = surr ? unitIndex(s, off) : off;
  const u = findLastUnit(s, sub, from);
  if (u < 0) return -1n;
  return BigInt(surr ? cpIndex(s, u) : u);
}

// ------------------------------------------------------------------ replace, split

/** Go's strings.Replace: at most n replacements (n < 0: all); an empty `old` matches at every character boundary. */
function replaceN(s: string, old: string, rep: string, n: bigint): string {
  if (n === 0n) return s;
  const limit = n < 0n ? Infinity : n > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(n);
  if (old === '') {
    const cps = codePoints(s);
    const out: string[] = [];
    let done = 0;
    for (let i = 0; i <= cps.length; i++) {
      if (done < limit) {
        out.push(rep);
        done++;
      }
      if (i < cps.length) out.push(cps[i]!);
    }
    return out.join('');
  }
  if (limit === Infinity && !hasSurrogates(old)) return s.split(old).join(rep);
  let out = '';
  let last = 0;
  let done = 0;
  while (done < limit) {
    const i = findUnit(s, old, last);
    if (i < 0) break;
    out += s.slice(last, i) + rep;
    last = i + old.length;
    done++;
  }
  return done === 0 ? s : out + s.slice(last);
}

/** Go's strings.SplitN: n == 0 gives [], n < 0 all pieces, n > 0 at most n (the last is the rest). */
function splitN(s: string, sep: string, n: bigint): string[] {
  if (n === 0n) return [];
  const limit = n < 0n ? Infinity : n > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(n);
  if (sep === '') {
    // Explode into code points; with a limit, the last piece is the rest of the string.
    const cps = codePoints(s);
    if (cps.length <= limit) return cps;
    return [...cps.slice(0, limit - 1), cps.slice(limit - 1).join('')];
  }
  if (limit === Infinity && !hasSurrogates(sep)) return s.split(sep);
  const out: string[] = [];
  let last = 0;
  while (out.length < limit - 1) {
    const i = findUnit(s, sep, last);
    if (i < 0) break;
    out.push(s.slice(last, i));
    last = i + sep.length;
  }
  out.push(s.slice(last));
  return out;
}

// ------------------------------------------------------------------ substring, join, reverse

function substring(s: string, start: bigint): string {
  if (!hasSurrogates(s)) return s.slice(checkIndex(start, s.length));
  const k = checkIndex(start, cpLength(s));
  return s.slice(unitIndex(s, k));
}

function substringRange(s: string, start: bigint, end: bigint): string {
  if (start > end) {
    throw new EvaluationError('invalid_argument', `invalid substring range: start ${start} is after end ${end}`);
  }
  if (!hasSurrogates(s)) {
    const a = checkIndex(start, s.length);
    return s.slice(a, checkIndex(end, s.length));
  }
  const len = cpLength(s);
  const a = checkIndex(start, len);
  const b = checkIndex(end, len);
  const ua = unitIndex(s, a);
  return s.slice(ua, unitIndex(s, b, ua, a));
}

function join(list: unknown[], sep = ''): string {
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== 'string') {
      throw new EvaluationError('invalid_argument', `join needs a list of strings, element ${i} is ${typeNameOf(list[i])}`);
    }
  }
  return (list as string[]).join(sep);
}

function reverse(s: string): string {
  if (!hasSurrogates(s)) {
    let out = '';
    for (let i = s.length - 1; i >= 0; i--) out += s[i];
    return out;
  }
  return codePoints(s).reverse().join('');
}

// ------------------------------------------------------------------ quote

const QUOTE_ESCAPES = table<string>({
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
});
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters CEL escapes (\a is U+0007)
const QUOTE_RE = /[\x07\b\f\n\r\t\v\\"]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** cel-go's strings.quote: double quotes around, CEL escapes for \a \b \f \n \r \t \v \\ and ", a lone surrogate becomes U+FFFD. */
export function quote(s: string): string {
  return `"${s.replace(QUOTE_RE, (c) => QUOTE_ESCAPES[c] ?? '\ufffd')}"`;
}

// ------------------------------------------------------------------ declarations

export const charAtDecl: FunctionDecl = {
  name: 'charAt',
  category: 'strings',
  description:
    'The character (code point) at a zero-based index, or an empty string at index size(s); a negative or larger index is an error',
  purity: 'pure',
  overloads: [{ id: 'string_char_at_int', receiver: 'string', params: ['int'], result: 'string', impl: charAt }],
  examples: [
    { expr: "'hello'.charAt(4)", result: 'o' },
    { expr: "'hello'.charAt(5)", result: '' },
    { expr: "'🐱😀'.charAt(1)", result: '😀' },
    { expr: "'hello'.charAt(-1)", result: { error: 'index_out_of_bounds' } },
  ],
};

export const indexOfDecl: FunctionDecl = {
  name: 'indexOf',
  category: 'strings',
  description:
    'Code-point index of the first occurrence of a substring, or -1; an optional start offset must lie in [0, size(s)) (size(s) allowed for an empty substring)',
  purity: 'pure',
  overloads: [
    { id: 'string_index_of_string', receiver: 'string', params: ['string'], result: 'int', impl: indexOf },
    { id: 'string_index_of_string_int', receiver: 'string', params: ['string', 'int'], result: 'int', impl: indexOfFrom },
  ],
  examples: [
    { expr: "'hello mellow'.indexOf('ello')", result: 1n },
    { expr: "'hello mellow'.indexOf('jello')", result: -1n },
    { expr: "'hello mellow'.indexOf('ello', 2)", result: 7n },
    { expr: "'hello mellow'.indexOf('', 2)", result: 2n },
    { expr: "'🐱 cat'.indexOf('cat')", result: 2n },
    { expr: "'hello mellow'.indexOf('ello', 20)", result: { error: 'index_out_of_bounds' } },
  ],
};

export const lastIndexOfDecl: FunctionDecl = {
  name: 'lastIndexOf',
  category: 'strings',
  description:
    'Code-point index of the last occurrence of a substring, or -1; an optional offset is the last index a match may start at and must lie in [0, size(s))',
  purity: 'pure',
  overloads: [
    { id: 'string_last_index_of_string', receiver: 'string', params: ['string'], result: 'int', impl: lastIndexOf },
    {
      id: 'string_last_index_of_string_int',
      receiver: 'string',
      params: ['string', 'int'],
      result: 'int',
      impl: lastIndexOfFrom,
    },
  ],
  examples: [
    { expr: "'hello mellow'.lastIndexOf('ello')", result: 7n },
    { expr: "'hello mellow'.lastIndexOf('')", result: 12n },
    { expr: "'hello mellow'.lastIndexOf('ello', 6)", result: 1n },
    { expr: "''.lastIndexOf('x')", result: -1n },
    { expr: "'hello mellow'.lastIndexOf('ello', -1)", result: { error: 'index_out_of_bounds' } },
  ],
};

export const lowerAsciiDecl: FunctionDecl = {
  name: 'lowerAscii',
  category: 'strings',
  description: 'The string with ASCII letters A-Z lower-cased; every other character is unchanged (see strings.caseFold for Unicode)',
  purity: 'pure',
  overloads: [{ id: 'string_lower_ascii', receiver: 'string', params: [], result: 'string', impl: lowerAsciiText }],
  examples: [
    { expr: "'TacoCat'.lowerAscii()", result: 'tacocat' },
    { expr: "'TacoCÆt Xii'.lowerAscii()", result: 'tacocÆt xii' },
  ],
};

export const upperAsciiDecl: FunctionDecl = {
  name: 'upperAscii',
  category: 'strings',
  description: 'The string with ASCII letters a-z upper-cased; every other character is unchanged',
  purity: 'pure',
  overloads: [{ id: 'string_upper_ascii', receiver: 'string', params: [], result: 'string', impl: upperAsciiText }],
  examples: [
    { expr: "'TacoCat'.upperAscii()", result: 'TACOCAT' },
    { expr: "'tacoCαt'.upperAscii()", result: 'TACOCαT' },
  ],
};

export const replaceDecl: FunctionDecl = {
  name: 'replace',
  category: 'strings',
  description:
    'Replaces occurrences of a substring (all, or at most the optional count; a negative count means all); an empty search string matches between every character',
  purity: 'pure',
  overloads: [
    {
      id: 'string_replace_string_string',
      receiver: 'string',
      params: ['string', 'string'],
      result: 'string',
      impl: (s: string, old: string, rep: string) => replaceN(s, old, rep, -1n),
    },
    {
      id: 'string_replace_string_string_int',
      receiver: 'string',
      params: ['string', 'string', 'int'],
      result: 'string',
      impl: replaceN,
    },
  ],
  examples: [
    { expr: "'hello hello'.replace('he', 'we')", result: 'wello wello' },
    { expr: "'hello hello'.replace('he', 'we', 1)", result: 'wello hello' },
    { expr: "'hello hello'.replace('he', 'we', 0)", result: 'hello hello' },
    { expr: "'hello hello'.replace('he', 'we', -1)", result: 'wello wello' },
    { expr: "'🐱🐱'.replace('', '-')", result: '-🐱-🐱-' },
  ],
};

export const splitDecl: FunctionDecl = {
  name: 'split',
  category: 'strings',
  description:
    'Splits on a separator; an optional limit caps the number of pieces (0 gives [], negative means no limit, the last piece keeps the rest); an empty separator splits into characters',
  purity: 'pure',
  overloads: [
    {
      id: 'string_split_string',
      receiver: 'string',
      params: ['string'],
      result: 'list(string)',
      impl: (s: string, sep: string) => splitN(s, sep, -1n),
    },
    { id: 'string_split_string_int', receiver: 'string', params: ['string', 'int'], result: 'list(string)', impl: splitN },
  ],
  examples: [
    { expr: "'hello hello hello'.split(' ')", result: ['hello', 'hello', 'hello'] },
    { expr: "'hello hello hello'.split(' ', 2)", result: ['hello', 'hello hello'] },
    { expr: "'hello hello hello'.split(' ', 0)", result: [] },
    { expr: "'a🐱b'.split('')", result: ['a', '🐱', 'b'] },
    { expr: "''.split(',')", result: [''] },
  ],
};

export const substringDecl: FunctionDecl = {
  name: 'substring',
  category: 'strings',
  description:
    'The code points from a start index to an optional end index (exclusive, default the end); indexes outside [0, size(s)] or start > end are errors',
  purity: 'pure',
  overloads: [
    { id: 'string_substring_int', receiver: 'string', params: ['int'], result: 'string', impl: substring },
    { id: 'string_substring_int_int', receiver: 'string', params: ['int', 'int'], result: 'string', impl: substringRange },
  ],
  examples: [
    { expr: "'tacocat'.substring(4)", result: 'cat' },
    { expr: "'tacocat'.substring(0, 4)", result: 'taco' },
    { expr: "'ta©o©αT'.substring(2, 6)", result: '©o©α' },
    { expr: "'🐱🐶🐭'.substring(1, 2)", result: '🐶' },
    { expr: "'tacocat'.substring(-1)", result: { error: 'index_out_of_bounds' } },
    { expr: "'tacocat'.substring(4, 3)", result: { error: 'invalid_argument' } },
  ],
};

export const trimDecl: FunctionDecl = {
  name: 'trim',
  category: 'strings',
  description: 'Removes leading and trailing Unicode white space (Go unicode.IsSpace: not the zero-width characters U+200B, U+FEFF)',
  purity: 'pure',
  overloads: [{ id: 'string_trim', receiver: 'string', params: [], result: 'string', impl: trimSpace }],
  examples: [
    { expr: "'  \\ttrim\\n    '.trim()", result: 'trim' },
    { expr: "'\\u00a0\\u3000text\\u2029'.trim()", result: 'text' },
    { expr: "'\\u200btext'.trim()", result: '\u200btext' },
  ],
};

export const joinDecl: FunctionDecl = {
  name: 'join',
  category: 'strings',
  description: 'Concatenates a list of strings, with an optional separator between them; a non-string element is an error',
  purity: 'pure',
  overloads: [
    { id: 'list_join', receiver: 'list(string)', params: [], result: 'string', impl: (l: unknown[]) => join(l) },
    { id: 'list_join_string', receiver: 'list(string)', params: ['string'], result: 'string', impl: join },
  ],
  examples: [
    { expr: "['hello', 'mellow'].join()", result: 'hellomellow' },
    { expr: "['hello', 'mellow'].join(' ')", result: 'hello mellow' },
    { expr: "[].join('/')", result: '' },
    { expr: "['a', 1].join()", result: { error: 'invalid_argument' } },
  ],
};

/** `reverse` is one function with a string overload (here) and a list overload (from the lists library). */
export const reverseDecl: FunctionDecl = {
  name: 'reverse',
  category: 'strings',
  description: 'A string with its code points in reverse order, or a list with its elements in reverse order',
  purity: 'pure',
  overloads: [{ id: 'reverse', receiver: 'string', params: [], result: 'string', impl: reverse }, listReverse],
  examples: [
    { expr: "'gums'.reverse()", result: 'smug' },
    { expr: "'John Smith'.reverse()", result: 'htimS nhoJ' },
    { expr: "'a🐱b'.reverse()", result: 'b🐱a' },
    { expr: '[5, 3, 1, 2].reverse()', result: [2n, 1n, 3n, 5n] },
  ],
};

export const quoteDecl: FunctionDecl = {
  name: 'strings.quote',
  category: 'strings',
  description:
    'The string in double quotes with CEL escapes for \\a \\b \\f \\n \\r \\t \\v, backslash and double quote, so it reads back as the same CEL literal',
  purity: 'pure',
  overloads: [{ id: 'strings_quote', params: ['string'], result: 'string', impl: quote }],
  examples: [
    { expr: 'strings.quote(\'single-quote with "double quote"\')', result: '"single-quote with \\"double quote\\""' },
    { expr: "strings.quote('line\\nbreak')", result: '"line\\nbreak"' },
    { expr: "strings.quote('')", result: '""' },
  ],
};

export const extFunctions: FunctionDecl[] = [
  charAtDecl,
  indexOfDecl,
  lastIndexOfDecl,
  lowerAsciiDecl,
  upperAsciiDecl,
  replaceDecl,
  splitDecl,
  substringDecl,
  trimDecl,
  joinDecl,
  reverseDecl,
  quoteDecl,
];
