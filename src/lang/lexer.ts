// Lexer for CEL (cel-spec langdef "Syntax"). Positions are offsets into the expression text.

import { ParseError } from './parse-error.js';
import { CelUint, INT64_MAX, UINT64_MAX } from './values.js';
import { table } from '../util/table.js';

export type TokenKind = 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'ident' | 'quoted_ident' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier name or punctuation text. */
  text: string;
  value?: unknown;
  pos: number;
  end: number;
}

const PUNCT = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '?',
  ':',
  '.',
  ',',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
];

const ESCAPES = table<number>({
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  '?': 63,
  '"': 34,
  "'": 39,
  '`': 96,
});

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (true) {
    // whitespace and comments
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) i++;
      else if (c === 47 && src.charCodeAt(i + 1) === 47) {
        while (i < n && src.charCodeAt(i) !== 10) i++;
      } else break;
    }
    if (i >= n) {
      out.push({ kind: 'eof', text: '', pos: n, end: n });
      return out;
    }
    const start = i;
    const c = src[i]!;
    // string / bytes literals with optional r/b prefixes
    const pre = /^(?:[rR][bB]?|[bB][rR]?)?(?=['"])/.exec(src.slice(i, i + 3));
    if (pre && (pre[0].length > 0 || c === '"' || c === "'")) {
      const prefix = pre[0].toLowerCase();
      const tok = readString(src, i, prefix.includes('r'), prefix.includes('b'));
      out.push(tok);
      i = tok.end;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? ''))) {
      const tok = readNumber(src, i);
      out.push(tok);
      i = tok.end;
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(src[i]!)) i++;
      out.push({ kind: 'ident', text: src.slice(start, i), pos: start, end: i });
      continue;
    }
    if (c === '`') {
      const close = src.indexOf('`', i + 1);
      if (close < 0) throw new ParseError('unterminated quoted identifier', start);
      const name = src.slice(i + 1, close);
      if (!/^[A-Za-z0-9_.\-/ ]+$/.test(name)) throw new ParseError(`invalid quoted identifier \`${name}\``, start);
      out.push({ kind: 'quoted_ident', text: name, pos: start, end: close + 1 });
      i = close + 1;
      continue;
    }
    const p = PUNCT.find((x) => src.startsWith(x, i));
    if (p) {
      out.push({ kind: 'punct', text: p, pos: start, end: i + p.length });
      i += p.length;
      continue;
    }
    throw new ParseError(`unexpected character \`${c}\``, start);
  }
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}

function readNumber(src: string, start: number): Token {
  let i = start;
  if (src[i] === '0' && (src[i + 1] === 'x' || src[i + 1] === 'X')) {
    i += 2;
    const ds = i;
    while (i < src.length && /[0-9a-fA-F]/.test(src[i]!)) i++;
    if (i === ds) throw new ParseError('invalid hexadecimal literal', start);
    const v = BigInt(src.slice(start, i));
    return intToken(src, start, i, v);
  }
  while (i < src.length && isDigit(src[i]!)) i++;
  let isFloat = false;
  if (src[i] === '.' && isDigit(src[i + 1] ?? '')) {
    isFloat = true;
    i++;
    while (i < src.length && isDigit(src[i]!)) i++;
  }
  if (src[i] === 'e' || src[i] === 'E') {
    let j = i + 1;
    if (src[j] === '+' || src[j] === '-') j++;
    if (isDigit(src[j] ?? '')) {
      isFloat = true;
      i = j;
      while (i < src.length && isDigit(src[i]!)) i++;
    }
  }
  const text = src.slice(start, i);
  if (isFloat) return { kind: 'double', text, value: Number(text), pos: start, end: i };
  return intToken(src, start, i, BigInt(text));
}

function intToken(src: string, start: number, i: number, v: bigint): Token {
  if (src[i] === 'u' || src[i] === 'U') {
    if (v > UINT64_MAX) throw new ParseError(`unsigned integer literal \`${src.slice(start, i)}\` is out of range`, start);
    return { kind: 'uint', text: src.slice(start, i + 1), value: new CelUint(v), pos: start, end: i + 1 };
  }
  // INT64_MAX + 1 is kept so that a leading minus can still make INT64_MIN; the parser checks.
  if (v > INT64_MAX + 1n) throw new ParseError(`integer literal \`${src.slice(start, i)}\` is out of range`, start);
  return { kind: 'int', text: src.slice(start, i), value: v, pos: start, end: i };
}

function readString(src: string, start: number, raw: boolean, bytes: boolean): Token {
  let i = start;
  while (src[i] !== '"' && src[i] !== "'") i++;
  const q = src[i]!;
  const triple = src.startsWith(q + q + q, i);
  const delim = triple ? q + q + q : q;
  i += delim.length;
  // Code points for strings, byte values for bytes (escapes in bytes are raw bytes).
  const units: number[] = [];
  const pushChar = (cp: number) => {
    if (bytes) units.push(...utf8(cp));
    else units.push(cp);
  };
  while (true) {
    if (i >= src.length) throw new ParseError('unterminated string literal', start);
    if (src.startsWith(delim, i)) {
      i += delim.length;
      break;
    }
    const ch = src[i]!;
    if (!triple && (ch === '\n' || ch === '\r')) throw new ParseError('newline in string literal (use a triple-quoted string)', i);
    if (ch === '\\' && !raw) {
      const e = src[i + 1];
      if (e === undefined) throw new ParseError('unterminated string literal', start);
      if (e in ESCAPES) {
        units.push(ESCAPES[e]!);
        i += 2;
        continue;
      }
      if (e === 'x' || e === 'X') {
        const h = src.slice(i + 2, i + 4);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new ParseError('invalid \\x escape', i);
        const v = parseInt(h, 16);
        if (bytes) units.push(v);
        else units.push(v);
        i += 4;
        continue;
      }
      if (e === 'u' || e === 'U') {
        if (bytes) throw new ParseError(`\\${e} escape is not allowed in bytes literals`, i);
        const len = e === 'u' ? 4 : 8;
        const h = src.slice(i + 2, i + 2 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) throw new ParseError(`invalid \\${e} escape`, i);
        const v = parseInt(h, 16);
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new ParseError(`invalid code point \\${e}${h}`, i);
        units.push(v);
        i += 2 + len;
        continue;
      }
      if (/[0-3]/.test(e)) {
        const o = src.slice(i + 1, i + 4);
        if (!/^[0-3][0-7]{2}$/.test(o)) throw new ParseError('invalid octal escape', i);
        units.push(parseInt(o, 8));
        i += 4;
        continue;
      }
      throw new ParseError(`invalid escape sequence \`\\${e}\``, i);
    }
    const cp = src.codePointAt(i)!;
    pushChar(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  if (bytes) return { kind: 'bytes', text: src.slice(start, i), value: new Uint8Array(units), pos: start, end: i };
  return { kind: 'string', text: src.slice(start, i), value: String.fromCodePoint(...units), pos: start, end: i };
}

export function utf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}
