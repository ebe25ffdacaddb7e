// The optional library: cel-go's `cel.OptionalTypes` functions, with the same names and
// semantics. The syntax that makes optionals (`a.?f`, `l[?i]`, `[?x]`, `{?k: x}`) and the
// `optMap`/`optFlatMap` macros belong to the language (src/lang); `or` and `orValue` are
// declared here and run lazily in the compiler and the interpreter, as cel-go decorates them:
// the argument is evaluated only when the optional has no value.

import { CelDuration, CelOptional, CelTimestamp, CelUint, EvaluationError, fromHost, mapSize } from '../../src/lang/library.js';
import type { FunctionDecl } from '../../src/lang/library.js';

const OPT = 'optional(V)';

/** The zero value of its type (cel-go's `IsZeroValue`): what `optional.ofNonZeroValue` drops. */
export function isZeroValue(v: unknown): boolean {
  switch (typeof v) {
    case 'boolean':
      return v === false;
    case 'number':
      return v === 0;
    case 'bigint':
      return v === 0n;
    case 'string':
      return v === '';
    case 'object':
      if (v === null) return true;
      if (Array.isArray(v)) return v.length === 0;
      if (v instanceof CelUint) return v.value === 0n;
      if (v instanceof Uint8Array) return v.length === 0;
      if (v instanceof CelDuration || v instanceof CelTimestamp) return v.ns === 0n; // protobuf's zero: the epoch
      if (v instanceof CelOptional) return false;
      return mapSize(v) === 0;
    default:
      return false;
  }
}

function unwrap(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of list) {
    if (!(x instanceof CelOptional)) {
      throw new EvaluationError('no_matching_overload', 'every element of the list must be an optional');
    }
    if (x.hasValue()) out.push(x.valueOrUndefined);
  }
  return out;
}

export const optionalLibrary: FunctionDecl[] = [
  {
    name: 'optional.of',
    category: 'optional',
    description: 'An optional holding the value (any value, `null` included)',
    purity: 'pure',
    overloads: [{ id: 'optional_of', params: ['V'], result: OPT, impl: (v: unknown) => CelOptional.of(v) }],
    examples: [
      { expr: 'optional.of(1)', result: CelOptional.of(1n) },
      { expr: 'optional.of(null).hasValue()', result: true },
    ],
  },
  {
    name: 'optional.ofNonZeroValue',
    category: 'optional',
    description:
      "An optional holding the value, or `optional.none()` when the value is its type's zero: `null`, `false`, `0`, `0u`, `0.0`, `''`, `b''`, `[]`, `{}`, a zero duration or the epoch",
    purity: 'pure',
    overloads: [
      {
        id: 'optional_of_non_zero_value',
        params: ['V'],
        result: OPT,
        impl: (v: unknown) => (isZeroValue(v) ? CelOptional.none : CelOptional.of(v)),
      },
    ],
    examples: [
      { expr: "optional.ofNonZeroValue('')", result: CelOptional.none },
      { expr: "optional.ofNonZeroValue('hello')", result: CelOptional.of('hello') },
      { expr: 'optional.ofNonZeroValue(request.tools).hasValue()', result: false, bindings: { request: { tools: [] } } },
    ],
  },
  {
    name: 'optional.none',
    category: 'optional',
    description: 'The optional without a value',
    purity: 'pure',
    overloads: [{ id: 'optional_none', params: [], result: OPT, impl: () => CelOptional.none }],
    examples: [
      { expr: 'optional.none()', result: CelOptional.none },
      { expr: 'optional.none() == optional.none()', result: true },
    ],
  },
  {
    name: 'hasValue',
    category: 'optional',
    description: 'Whether the optional holds a value',
    purity: 'pure',
    overloads: [{ id: 'optional_has_value', receiver: OPT, params: [], result: 'bool', impl: (o: CelOptional) => o.hasValue() }],
    examples: [
      { expr: 'request.?metadata.?team.hasValue()', result: true, bindings: { request: { metadata: { team: 'search' } } } },
      { expr: 'request.?metadata.?team.hasValue()', result: false, bindings: { request: {} } },
    ],
  },
  {
    name: 'value',
    category: 'optional',
    description: "The optional's value; `optional.none()` has none, which is an error (use `orValue` for a default)",
    purity: 'pure',
    overloads: [{ id: 'optional_value', receiver: OPT, params: [], result: 'V', impl: (o: CelOptional) => o.value() }],
    examples: [
      { expr: 'optional.of(1).value()', result: 1n },
      { expr: 'optional.none().value()', result: { error: 'invalid_argument' } },
    ],
  },
  {
    name: 'or',
    category: 'optional',
    description: 'The optional if it holds a value, else the other optional, which is evaluated only then',
    purity: 'pure',
    overloads: [
      {
        id: 'optional_or_optional',
        receiver: OPT,
        params: [OPT],
        result: OPT,
        impl: (a: CelOptional, b: CelOptional) => (a.hasValue() ? a : b),
      },
    ],
    examples: [
      { expr: 'optional.none().or(optional.of(1))', result: CelOptional.of(1n) },
      {
        expr: "request.?metadata.?team.or(user.?team).orValue('none')",
        result: 'growth',
        bindings: { request: {}, user: { team: 'growth' } },
      },
    ],
  },
  {
    name: 'orValue',
    category: 'optional',
    description: "The optional's value, or the default, which is evaluated only when the optional has none",
    purity: 'pure',
    overloads: [
      {
        id: 'optional_or_value_value',
        receiver: OPT,
        params: ['V'],
        result: 'V',
        impl: (a: CelOptional, b: unknown) => (a.hasValue() ? a.valueOrUndefined : b),
      },
    ],
    examples: [
      { expr: "request.?metadata.?team.orValue('none')", result: 'search', bindings: { request: { metadata: { team: 'search' } } } },
      { expr: "request.?metadata.?team.orValue('none')", result: 'none', bindings: { request: { metadata: {} } } },
      { expr: "{'a': 1}[?'b'].orValue(0)", result: 0n },
    ],
  },
  {
    name: 'first',
    category: 'optional',
    description: 'The first element of a list as an optional: `optional.none()` for an empty list',
    purity: 'pure',
    overloads: [
      {
        id: 'list_first',
        receiver: 'list(V)',
        params: [],
        result: OPT,
        impl: (l: unknown[]) => (l.length === 0 ? CelOptional.none : CelOptional.of(fromHost(l[0]))),
      },
    ],
    examples: [
      { expr: '[1, 2, 3].first()', result: CelOptional.of(1n) },
      { expr: '[].first()', result: CelOptional.none },
    ],
  },
  {
    name: 'last',
    category: 'optional',
    description: 'The last element of a list as an optional: `optional.none()` for an empty list',
    purity: 'pure',
    overloads: [
      {
        id: 'list_last',
        receiver: 'list(V)',
        params: [],
        result: OPT,
        impl: (l: unknown[]) => (l.length === 0 ? CelOptional.none : CelOptional.of(fromHost(l[l.length - 1]))),
      },
    ],
    examples: [
      { expr: "request.messages.last().?role.orValue('')", result: 'user', bindings: { request: { messages: [{ role: 'user' }] } } },
      { expr: "request.messages.last().?role.orValue('')", result: '', bindings: { request: { messages: [] } } },
    ],
  },
  {
    name: 'optional.unwrap',
    category: 'optional',
    description: 'The values of a list of optionals, leaving out the ones without a value',
    purity: 'pure',
    overloads: [{ id: 'optional_unwrap', params: ['list(optional(V))'], result: 'list(V)', impl: unwrap }],
    examples: [
      { expr: 'optional.unwrap([optional.of(1), optional.none(), optional.of(3)])', result: [1n, 3n] },
      { expr: 'optional.unwrap([request.?user, request.?metadata.?user]).size()', result: 1n, bindings: { request: { user: 'u1' } } },
    ],
  },
  {
    name: 'unwrapOpt',
    category: 'optional',
    description: 'The values of a list of optionals, leaving out the ones without a value (the method form of `optional.unwrap`)',
    purity: 'pure',
    overloads: [{ id: 'optional_unwrap_opt', receiver: 'list(optional(V))', params: [], result: 'list(V)', impl: unwrap }],
    examples: [
      { expr: '[optional.of(1), optional.none()].unwrapOpt()', result: [1n] },
      { expr: '[1].unwrapOpt()', result: { error: 'no_matching_overload' } },
    ],
  },
];
