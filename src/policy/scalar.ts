// Maps the characters of a YAML/JSON scalar's value back to the file offsets that produced them.
//
// Double-quoted scalars (and so JSON strings) are decoded here exactly as the `yaml` package decodes
// them, escapes and line folding included, recording where each value character came from. Plain,
// single-quoted and block scalars contain every value character literally, in order, so a greedy
// alignment (each value character matched with the next equal source character) is exact for every
// non-blank character; a folded line break maps to a nearby blank. Whenever a decoding does not
// reproduce the value the `yaml` package produced, the greedy alignment is used instead.

import type { Scalar } from 'yaml';
import type { ExprSource } from './types.js';
import { table } from '../util/table.js';

/** How far greedy alignment looks ahead for a value character before giving up on it. */
const MAX_SKIP = 4096;

/** `ExprSource` for a string scalar node (`value` is the node's string value). */
export function stringSource(src: string, node: Scalar, value: string, file?: string): ExprSource {
  const offsets = scalarOffsets(src, node, value);
  const out: ExprSource = { text: value, offsets };
  if (file !== undefined) out.file = file;
  return out;
}

/**
 * `ExprSource` for a boolean or number scalar used where an expression is expected: the literal as
 * written when it is also a valid CEL literal (`true`, `100`, `0.5`, `1e3`, `0x1F`), otherwise the
 * JavaScript rendering of the value, positioned at the scalar.
 */
export function literalSource(src: string, node: Scalar, value: boolean | number, file?: string): ExprSource {
  const [start, end] = rangeOf(node);
  const written = src.slice(start, end);
  let text: string;
  if (typeof value === 'boolean') text = value ? 'true' : 'false';
  else if (/^-?(?:0x[0-9a-fA-F]+|\d+|\d*\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)$/.test(written)) text = written;
  else text = String(value);
  const offsets: number[] = [];
  for (let i = 0; i <= text.length; i++) offsets.push(Math.min(start + i, Math.max(start, end)));
  const out: ExprSource = { text, offsets };
  if (file !== undefined) out.file = file;
  return out;
}

function rangeOf(node: Scalar): [number, number] {
  const r = node.range;
  if (!r) return [0, 0];
  return [r[0], r[1]];
}

/** offsets[i] for every value character plus the end; length === value.length + 1. */
export function scalarOffsets(src: string, node: Scalar, value: string): number[] {
  const [start, valueEnd] = rangeOf(node);
  switch (node.type) {
    case 'QUOTE_DOUBLE': {
      const decoded = decodeDoubleQuoted(src, start, valueEnd);
      if (decoded.value === value) return decoded.offsets;
      const close = src[valueEnd - 1] === '"' && valueEnd - 1 > start ? valueEnd - 1 : valueEnd;
      return greedy(src, start + 1, close, value);
    }
    case 'QUOTE_SINGLE': {
      const close = src[valueEnd - 1] === "'" && valueEnd - 1 > start ? valueEnd - 1 : valueEnd;
      if (close - start - 1 === value.length && src.startsWith(value, start + 1)) return identity(start + 1, value.length);
      return greedy(src, start + 1, close, value);
    }
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED': {
      // Skip the header line (`|-`, `>2`, a comment) before matching.
      const nl = src.indexOf('\n', start);
      const contentStart = nl < 0 || nl >= valueEnd ? valueEnd : nl + 1;
      return greedy(src, contentStart, valueEnd, value);
    }
    default: {
      if (valueEnd - start === value.length && src.startsWith(value, start)) return identity(start, value.length);
      return greedy(src, start, valueEnd, value);
    }
  }
}

function identity(start: number, length: number): number[] {
  const offsets = new Array<number>(length + 1);
  for (let i = 0; i <= length; i++) offsets[i] = start + i;
  return offsets;
}

/**
 * Matches each value character with the next equal character of src[from, to); a character not
 * found keeps the previous position. The end is just after the last matched character.
 */
export function greedy(src: string, from: number, to: number, value: string): number[] {
  const offsets = new Array<number>(value.length + 1);
  let cursor = from;
  let last = from;
  let end = from;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const limit = Math.min(to, cursor + MAX_SKIP);
    let j = cursor;
    while (j < limit && src[j] !== ch) j++;
    if (j < limit) {
      offsets[i] = j;
      last = j;
      cursor = j + 1;
      end = j + 1;
    } else {
      offsets[i] = last;
    }
  }
  offsets[value.length] = value.length === 0 ? from : end;
  return offsets;
}

const ESCAPES = table<string>({
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  '\t': '\t',
});

/**
 * Decodes the double-quoted scalar src[start, end) (quotes included) the way the `yaml` package
 * does, recording the source offset of every produced character.
 */
export function decodeDoubleQuoted(src: string, start: number, end: number): { value: string; offsets: number[] } {
  let value = '';
  const offsets: number[] = [];
  const push = (s: string, at: number): void => {
    value += s;
    for (let k = 0; k < s.length; k++) offsets.push(at);
  };
  const last = end - 1; // the closing quote
  for (let i = start + 1; i < last; ++i) {
    const ch = src[i]!;
    if (ch === '\r' && src[i + 1] === '\n') continue;
    if (ch === '\n') {
      // A line break folds to a space; n + 1 breaks give n newlines.
      const at = i;
      let fold = '';
      let c = src[i + 1];
      while (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        if (c === '\r' && src[i + 2] !== '\n') break;
        if (c === '\n') fold += '\n';
        i += 1;
        c = src[i + 1];
      }
      push(fold || ' ', at);
    } else if (ch === '\\') {
      const at = i;
      let next = src[++i];
      const cc = next === undefined ? undefined : ESCAPES[next];
      if (cc !== undefined) push(cc, at);
      else if (next === '\n') {
        next = src[i + 1];
        while (next === ' ' || next === '\t') next = src[++i + 1];
      } else if (next === '\r' && src[i + 1] === '\n') {
        next = src[++i + 1];
        while (next === ' ' || next === '\t') next = src[++i + 1];
      } else if (next === 'x' || next === 'u' || next === 'U') {
        const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
        const hex = src.substr(i + 1, length);
        let s: string;
        try {
          if (hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex)) throw new RangeError('bad escape');
          s = String.fromCodePoint(parseInt(hex, 16));
        } catch {
          s = src.substr(i - 1, length + 2);
        }
        push(s, at);
        i += length;
      } else {
        push(src.substr(i - 1, 2), at);
      }
    } else if (ch === ' ' || ch === '\t') {
      // Blanks before a line break are dropped.
      const wsStart = i;
      let next = src[i + 1];
      while (next === ' ' || next === '\t') next = src[++i + 1];
      if (next !== '\n' && !(next === '\r' && src[i + 2] === '\n')) {
        for (let k = wsStart; k <= i; k++) push(src[k]!, k);
      }
    } else {
      push(ch, i);
    }
  }
  offsets.push(src[last] === '"' && last > start ? last : end);
  return { value, offsets };
}
