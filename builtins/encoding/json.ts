// JSON to CEL values and back, hand-written so that the limits and the shape of the result
// are ours, in one linear pass.
//
// json.parse (RFC 8259, strict):
//   - objects become plain objects with a null prototype, which the engine reads as maps; a
//     key such as `__proto__` or `constructor` is an ordinary key of that object (it can be
//     read with `m['__proto__']`), never a prototype: nothing is polluted;
//   - a key that appears twice in one object is an error (parsers disagree on which one wins,
//     a classic way to smuggle a value past a check);
//   - numbers are doubles, as all JSON numbers of the input are (a number too large for a
//     double is an error, not Infinity; integers beyond 2^53 lose precision, as in JSON.parse);
//   - nesting deeper than 64 levels and texts longer than 10,000,000 characters (the engine's
//     default maxStringLength) are errors (limit_exceeded); a byte-order mark is an error.
//
// json.stringify (canonical, RFC 8785 / JCS style): object keys sorted by UTF-16 code units,
// no whitespace, numbers as JavaScript writes them (ints and uints exactly), strings escaped as
// JSON.stringify does (lone surrogates as \udxxx). Non-JSON CEL values: bytes become base64,
// timestamps RFC 3339 strings, durations '1.5s' strings (the protobuf JSON mapping); int, uint
// and bool map keys become strings; NaN and infinities, types, and two keys that become the
// same string are errors.

import { EvaluationError } from '../../src/lang/library.js';
import { CelDuration, CelTimestamp, CelType, CelUint, kindOf, mapEntries } from '../../src/lang/library.js';
import { formatDuration, formatTimestamp } from '../std/time.js';
import { base64Encode } from './base64.js';

export const JSON_MAX_DEPTH = 64;
export const JSON_MAX_LENGTH = 10_000_000;

function syntax(at: number, what: string): EvaluationError {
  return new EvaluationError('invalid_argument', `invalid JSON at offset ${at}: ${what}`);
}

function tooDeep(): EvaluationError {
  return new EvaluationError('limit_exceeded', `JSON nests deeper than ${JSON_MAX_DEPTH} levels`);
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  value(depth: number): unknown {
    this.ws();
    const s = this.s;
    const c = s.charCodeAt(this.i);
    switch (c) {
      case 123 /* { */:
        return this.object(depth + 1);
      case 91 /* [ */:
        return this.array(depth + 1);
      case 34 /* " */:
        return this.string();
      case 116 /* t */:
        return this.word('true', true);
      case 102 /* f */:
        return this.word('false', false);
      case 110 /* n */:
        return this.word('null', null);
    }
    if (c === 45 || (c >= 48 && c <= 57)) return this.number();
    if (this.i >= s.length) throw syntax(this.i, 'unexpected end of input');
    throw syntax(this.i, `unexpected character \`${String.fromCodePoint(s.codePointAt(this.i)!)}\``);
  }

  word<T>(w: string, v: T): T {
    if (!this.s.startsWith(w, this.i)) throw syntax(this.i, 'unexpected word');
    this.i += w.length;
    return v;
  }

  number(): number {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (m === null) throw syntax(this.i, 'invalid number');
    const n = Number(m[0]);
    if (!Number.isFinite(n)) throw syntax(this.i, `number \`${m[0].length > 32 ? `${m[0].slice(0, 32)}...` : m[0]}\` is out of range`);
    this.i += m[0].length;
    return n;
  }

  string(): string {
    const s = this.s;
    const start = this.i;
    let i = start + 1;
    let out = '';
    let run = i;
    for (;;) {
      if (i >= s.length) throw syntax(start, 'unterminated string');
      const c = s.charCodeAt(i);
      if (c === 34) break;
      if (c < 0x20) throw syntax(i, 'control character in a string (escape it)');
      if (c !== 92) {
        i++;
        continue;
      }
      out += s.slice(run, i);
      const e = s.charCodeAt(i + 1);
      switch (e) {
        case 34:
          out += '"';
          break;
        case 92:
          out += '\\';
          break;
        case 47:
          out += '/';
          break;
        case 98:
          out += '\b';
          break;
        case 102:
          out += '\f';
          break;
        case 110:
          out += '\n';
          break;
        case 114:
          out += '\r';
          break;
        case 116:
          out += '\t';
          break;
        case 117: {
          const hex = s.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw syntax(i, 'invalid \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          throw syntax(i, 'invalid escape');
      }
      i += 2;
      run = i;
    }
    this.i = i + 1;
    return out + s.slice(run, i);
  }

  array(depth: number): unknown[] {
    if (depth > JSON_MAX_DEPTH) throw tooDeep();
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (this.s.charCodeAt(this.i) === 93) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        continue;
      }
      if (c === 93) {
        this.i++;
        return out;
      }
      throw syntax(this.i, this.i >= this.s.length ? 'unexpected end of input' : 'expected `,` or `]`');
    }
  }

  object(depth: number): Record<string, unknown> {
    if (depth > JSON_MAX_DEPTH) throw tooDeep();
    this.i++;
    const out = Object.create(null) as Record<string, unknown>;
    this.ws();
    if (this.s.charCodeAt(this.i) === 125) {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== 34)
        throw syntax(this.i, this.i >= this.s.length ? 'unexpected end of input' : 'expected a string key');
      const at = this.i;
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(out, key)) {
        throw syntax(at, `duplicate key \`${key.length > 32 ? `${key.slice(0, 32)}...` : key}\``);
      }
      this.ws();
      if (this.s.charCodeAt(this.i) !== 58) throw syntax(this.i, 'expected `:`');
      this.i++;
      out[key] = this.value(depth);
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        continue;
      }
      if (c === 125) {
        this.i++;
        return out;
      }
      throw syntax(this.i, this.i >= this.s.length ? 'unexpected end of input' : 'expected `,` or `}`');
    }
  }
}

export function jsonParse(s: string): unknown {
  if (s.length > JSON_MAX_LENGTH) {
    throw new EvaluationError('limit_exceeded', `JSON text is ${s.length} characters long, more than ${JSON_MAX_LENGTH}`);
  }
  const p = new Parser(s);
  const v = p.value(0);
  p.ws();
  if (p.i < s.length) throw syntax(p.i, 'unexpected data after the value');
  return v;
}

// ------------------------------------------------------------------ stringify

function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function keyString(k: unknown): string {
  switch (kindOf(k)) {
    case 'string':
      return k as string;
    case 'int':
      return String(k);
    case 'uint':
      return String((k as CelUint).value);
    case 'bool':
      return k ? 'true' : 'false';
    case 'double':
      if (Number.isInteger(k)) return String(k);
  }
  throw new EvaluationError('invalid_argument', `cannot write a map key of type ${kindOf(k)} as JSON`);
}

function write(v: unknown, depth: number, out: string[]): void {
  switch (typeof v) {
    case 'string':
      out.push(JSON.stringify(v));
      return;
    case 'number':
      if (!Number.isFinite(v)) throw new EvaluationError('invalid_argument', `cannot write ${v} as JSON`);
      out.push(Object.is(v, -0) ? '0' : String(v));
      return;
    case 'bigint':
      out.push(String(v));
      return;
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
  }
  if (v === null) {
    out.push('null');
    return;
  }
  if (depth >= JSON_MAX_DEPTH) throw tooDeep();
  if (Array.isArray(v)) {
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.push(',');
      const x = v[i];
      if (x === undefined) throw new EvaluationError('invalid_argument', 'cannot write an undefined list element as JSON');
      write(x, depth + 1, out);
    }
    out.push(']');
    return;
  }
  if (v instanceof CelUint) return void out.push(String(v.value));
  if (v instanceof Uint8Array) return void out.push(JSON.stringify(base64Encode(v)));
  if (v instanceof CelTimestamp) return void out.push(JSON.stringify(formatTimestamp(v)));
  if (v instanceof CelDuration) return void out.push(JSON.stringify(formatDuration(v)));
  if (v instanceof CelType) throw new EvaluationError('invalid_argument', `cannot write the type ${v.name} as JSON`);
  if (kindOf(v) !== 'map') throw new EvaluationError('invalid_argument', `cannot write a ${typeof v} as JSON`);
  const entries = mapEntries(v as object).map(([k, x]) => [keyString(k), x] as const);
  entries.sort((a, b) => compareUtf16(a[0], b[0]));
  out.push('{');
  for (let i = 0; i < entries.length; i++) {
    const [k, x] = entries[i]!;
    if (i > 0) {
      if (entries[i - 1]![0] === k) throw new EvaluationError('invalid_argument', `two map keys are written as the same JSON key \`${k}\``);
      out.push(',');
    }
    out.push(JSON.stringify(k), ':');
    write(x, depth + 1, out);
  }
  out.push('}');
}

export function jsonStringify(v: unknown): string {
  const out: string[] = [];
  write(v, 0, out);
  return out.join('');
}
