// How anything from a policy reaches generated JavaScript: only as a literal written by the
// two functions below. No name from a policy ever becomes a JavaScript identifier, and no
// policy text is pasted into comments or code, so a quote, a backslash, `${`, `*/`, a line
// separator or a lone surrogate in a field name or string cannot change the program.

import { CelDuration, CelOptional, CelTimestamp, CelType, CelUint } from '../../lang/values.js';

/**
 * A double-quoted JavaScript string literal for any string. Everything but printable ASCII is
 * written as a `\uXXXX` escape (so U+2028/U+2029, which older engines treat as line ends, and
 * lone surrogates, which are not valid UTF-8, survive every parser and file encoding), and so
 * is `<` (which keeps `</script>` out of a module inlined in HTML); `"` and `\` are escaped.
 */
export function jsString(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s) && !/["\\<]/.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else out += c >= 0x20 && c < 0x7f && c !== 0x3c ? s[i] : `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** Thrown for a constant that cannot be written as source (a host object a builtin folded to). */
export class UnsupportedConstant extends Error {}

/**
 * JavaScript source that evaluates to a value equal to `v`, for the value kinds of the
 * language (src/lang/values.ts). `name(x)` writes a nested object (it may hoist it); the
 * generated module's prologue binds CelUint, CelTimestamp, CelDuration, CelType and `obj`.
 */
export function literal(v: unknown, name: (x: object) => string = (x) => literal(x)): string {
  switch (typeof v) {
    case 'string':
      return jsString(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (Number.isNaN(v)) return 'NaN';
      if (v === Number.POSITIVE_INFINITY) return 'Infinity';
      if (v === Number.NEGATIVE_INFINITY) return '(-Infinity)';
      if (Object.is(v, -0)) return '(-0)';
      return v < 0 ? `(${String(v)})` : String(v);
    case 'bigint':
      return v < 0n ? `(${v}n)` : `${v}n`;
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) return `[${v.map((x) => nested(x, name)).join(', ')}]`;
      if (v instanceof CelUint) return `new CelUint(${v.value}n)`;
      if (v instanceof CelTimestamp) return `new CelTimestamp(${literal(v.ns)})`;
      if (v instanceof CelDuration) return `new CelDuration(${literal(v.ns)})`;
      if (v instanceof CelType) return `CelType.of(${jsString(v.name)})`;
      if (v instanceof CelOptional) return v.hasValue() ? `CelOptional.of(${nested(v.valueOrUndefined, name)})` : 'CelOptional.none';
      if (v instanceof Uint8Array && v.constructor === Uint8Array) return `new Uint8Array([${v.join(', ')}])`;
      if (v instanceof Map) return `new Map([${[...v].map(([k, x]) => `[${nested(k, name)}, ${nested(x, name)}]`).join(', ')}])`;
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) {
        // entries through `obj` (Object.fromEntries semantics), so a key `__proto__` stays a key
        const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => `[${jsString(k)}, ${nested(x, name)}]`);
        return `obj([${entries.join(', ')}], ${proto === null})`;
      }
      break;
    }
  }
  throw new UnsupportedConstant(
    `a constant of kind \`${typeof v === 'object' ? (v?.constructor?.name ?? 'object') : typeof v}\` cannot be written as code`,
  );
}

function nested(x: unknown, name: (x: object) => string): string {
  return typeof x === 'object' && x !== null ? name(x) : literal(x);
}
