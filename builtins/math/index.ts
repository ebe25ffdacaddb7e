// The `math` library: cel-go's math extension (math_ext in the cel-spec conformance suite) with
// its names and semantics, plus aggregates over lists for policies (./aggregates.ts).
//
// `math.greatest` and `math.least` take any number of arguments: the parser rewrites a call
// with three or more (`math.greatest(a, b, c)`) into the list form (`math.greatest([a, b, c])`),
// as cel-go's macro does, and rejects literal arguments that are not numbers.
//
// Overload ids are cel-go's, lowercased (the registry's ids are lowercase); cel-go's internal
// `math.@max`/`math.@min` overloads (`math_@max_int`, ...) are `math_greatest_int`, ....

import { EvaluationError } from '../../src/lang/library.js';
import type { FunctionDecl, OverloadDecl } from '../../src/lang/library.js';
import { CelUint, UINT64_MAX, checkInt } from '../../src/lang/library.js';
import { avg, extreme, percentile, pick, sum } from './aggregates.js';

export { compensatedSum, percentile } from './aggregates.js';

const NUMS = ['int', 'uint', 'double'] as const;

// ------------------------------------------------------------------ greatest, least

function extremeOverloads(prefix: 'greatest' | 'least'): OverloadDecl[] {
  const fn = `math.${prefix}`;
  const greatest = prefix === 'greatest';
  // one number is its own greatest (cel-go's identity overloads, NaN included)
  const out: OverloadDecl[] = NUMS.map((t) => ({ id: `math_${prefix}_${t}`, params: [t], result: t, impl: (x: unknown) => x }));
  for (const a of NUMS) {
    for (const b of NUMS) {
      out.push({
        id: `math_${prefix}_${a}_${b}`,
        params: [a, b],
        result: a === b ? a : 'dyn',
        impl: (x: unknown, y: unknown) => pick(fn, x, y, greatest),
      });
    }
  }
  out.push({ id: `math_${prefix}_list`, params: ['list(dyn)'], result: 'dyn', impl: (l: unknown[]) => extreme(fn, l, greatest) });
  return out;
}

export const greatest: FunctionDecl = {
  name: 'math.greatest',
  category: 'math',
  description:
    'The greatest of its arguments (one or more numbers) or of a non-empty list of numbers; ints, uints and doubles compare by value and the winner keeps its type; comparing NaN is an error',
  purity: 'pure',
  overloads: extremeOverloads('greatest'),
  examples: [
    { expr: 'math.greatest(1)', result: 1n },
    { expr: 'math.greatest(1u, 2u)', result: new CelUint(2n) },
    { expr: 'math.greatest(-42.0, -21.5, -100.0)', result: -21.5 },
    { expr: 'math.greatest([-42.0, -21.5, -100.0])', result: -21.5 },
    { expr: 'math.greatest(5.4, 10, 3u, -5.0)', result: 10n },
    { expr: 'math.greatest(request.max_tokens, 256)', result: 1024, bindings: { request: { max_tokens: 1024 } } },
    { expr: 'math.greatest([])', result: { error: 'invalid_argument' } },
  ],
};

export const least: FunctionDecl = {
  name: 'math.least',
  category: 'math',
  description:
    'The least of its arguments (one or more numbers) or of a non-empty list of numbers; ints, uints and doubles compare by value and the winner keeps its type; comparing NaN is an error',
  purity: 'pure',
  overloads: extremeOverloads('least'),
  examples: [
    { expr: 'math.least(1)', result: 1n },
    { expr: 'math.least(1u, 2u)', result: new CelUint(1n) },
    { expr: 'math.least(-42.0, -21.5, -100.0)', result: -100.0 },
    { expr: 'math.least([-42.0, -21.5, -100.0])', result: -100.0 },
    { expr: 'math.least(request.max_tokens, 4096)', result: 4096n, bindings: { request: { max_tokens: 100000 } } },
    { expr: 'math.least(1.0, 0.0 / 0.0)', result: { error: 'invalid_argument' } },
  ],
};

// ------------------------------------------------------------------ rounding

function doubleFn(
  name: string,
  id: string,
  impl: (x: number) => number,
  description: string,
  examples: FunctionDecl['examples'],
): FunctionDecl {
  return { name, category: 'math', description, purity: 'pure', overloads: [{ id, params: ['double'], result: 'double', impl }], examples };
}

/** Go's math.Round: half away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export const ceil = doubleFn(
  'math.ceil',
  'math_ceil_double',
  Math.ceil,
  'The least integral double greater than or equal to the argument',
  [
    { expr: 'math.ceil(1.2)', result: 2.0 },
    { expr: 'math.ceil(-1.2)', result: -1.0 },
    { expr: 'math.ceil(dyn(1))', result: { error: 'no_matching_overload' } },
  ],
);

export const floor = doubleFn(
  'math.floor',
  'math_floor_double',
  Math.floor,
  'The greatest integral double less than or equal to the argument',
  [
    { expr: 'math.floor(1.2)', result: 1.0 },
    { expr: 'math.floor(-1.2)', result: -2.0 },
  ],
);

export const round = doubleFn(
  'math.round',
  'math_round_double',
  roundHalfAway,
  'The nearest integral double, with ties rounding away from zero (1.5 to 2.0, -1.5 to -2.0)',
  [
    { expr: 'math.round(1.2)', result: 1.0 },
    { expr: 'math.round(1.5)', result: 2.0 },
    { expr: 'math.round(-1.5)', result: -2.0 },
    { expr: 'math.round(2.5)', result: 3.0 },
  ],
);

export const trunc = doubleFn(
  'math.trunc',
  'math_trunc_double',
  Math.trunc,
  'The argument without its fractional part (rounds toward zero)',
  [
    { expr: 'math.trunc(-1.3)', result: -1.0 },
    { expr: 'math.trunc(1.3)', result: 1.0 },
  ],
);

// ------------------------------------------------------------------ floating point tests

function testFn(
  name: string,
  id: string,
  impl: (x: number) => boolean,
  description: string,
  examples: FunctionDecl['examples'],
): FunctionDecl {
  return { name, category: 'math', description, purity: 'pure', overloads: [{ id, params: ['double'], result: 'bool', impl }], examples };
}

export const isInf = testFn(
  'math.isInf',
  'math_isinf_double',
  (x) => x === Infinity || x === -Infinity,
  'Whether the double is positive or negative infinity',
  [
    { expr: 'math.isInf(1.0 / 0.0)', result: true },
    { expr: 'math.isInf(1.2)', result: false },
  ],
);

export const mathIsNaN = testFn('math.isNaN', 'math_isnan_double', (x) => Number.isNaN(x), 'Whether the double is NaN (not a number)', [
  { expr: 'math.isNaN(0.0 / 0.0)', result: true },
  { expr: 'math.isNaN(1.2)', result: false },
]);

export const mathIsFinite = testFn(
  'math.isFinite',
  'math_isfinite_double',
  (x) => Number.isFinite(x),
  'Whether the double is neither infinite nor NaN',
  [
    { expr: 'math.isFinite(1.2)', result: true },
    { expr: 'math.isFinite(0.0 / 0.0)', result: false },
    { expr: 'math.isFinite(-1.0 / 0.0)', result: false },
  ],
);

// ------------------------------------------------------------------ sign, abs, sqrt

export const abs: FunctionDecl = {
  name: 'math.abs',
  category: 'math',
  description: 'The absolute value; the absolute value of the least int (-2^63) does not fit and is an overflow error',
  purity: 'pure',
  overloads: [
    { id: 'math_abs_double', params: ['double'], result: 'double', impl: Math.abs },
    { id: 'math_abs_int', params: ['int'], result: 'int', impl: (x: bigint) => (x < 0n ? checkInt(-x) : x) },
    { id: 'math_abs_uint', params: ['uint'], result: 'uint', impl: (x: CelUint) => x },
  ],
  examples: [
    { expr: 'math.abs(-1)', result: 1n },
    { expr: 'math.abs(-11.5)', result: 11.5 },
    { expr: 'math.abs(1u)', result: new CelUint(1n) },
    { expr: 'math.abs(-9223372036854775808)', result: { error: 'overflow' } },
  ],
};

export const sign: FunctionDecl = {
  name: 'math.sign',
  category: 'math',
  description: 'The sign of a number as -1, 0 or 1 of the same type; NaN gives NaN, and -0.0 gives 0.0',
  purity: 'pure',
  overloads: [
    {
      id: 'math_sign_double',
      params: ['double'],
      result: 'double',
      impl: (x: number) => (x > 0 ? 1 : x < 0 ? -1 : Number.isNaN(x) ? x : 0),
    },
    { id: 'math_sign_int', params: ['int'], result: 'int', impl: (x: bigint) => (x > 0n ? 1n : x < 0n ? -1n : 0n) },
    { id: 'math_sign_uint', params: ['uint'], result: 'uint', impl: (x: CelUint) => new CelUint(x.value === 0n ? 0n : 1n) },
  ],
  examples: [
    { expr: 'math.sign(-42)', result: -1n },
    { expr: 'math.sign(0)', result: 0n },
    { expr: 'math.sign(100.5)', result: 1.0 },
    { expr: 'math.sign(42u)', result: new CelUint(1n) },
  ],
};

const sqrtOf = (x: unknown): number => Math.sqrt(typeof x === 'number' ? x : x instanceof CelUint ? Number(x.value) : Number(x as bigint));

export const sqrt: FunctionDecl = {
  name: 'math.sqrt',
  category: 'math',
  description: 'The square root as a double; a negative argument gives NaN',
  purity: 'pure',
  overloads: [
    { id: 'math_sqrt_double', params: ['double'], result: 'double', impl: sqrtOf },
    { id: 'math_sqrt_int', params: ['int'], result: 'double', impl: sqrtOf },
    { id: 'math_sqrt_uint', params: ['uint'], result: 'double', impl: sqrtOf },
  ],
  examples: [
    { expr: 'math.sqrt(81)', result: 9.0 },
    { expr: 'math.sqrt(2.25)', result: 1.5 },
    { expr: 'math.isNaN(math.sqrt(-15))', result: true },
  ],
};

// ------------------------------------------------------------------ bits

function bitPair(
  name: string,
  op: string,
  int: (a: bigint, b: bigint) => bigint,
  description: string,
  examples: FunctionDecl['examples'],
): FunctionDecl {
  return {
    name,
    category: 'math',
    description,
    purity: 'pure',
    overloads: [
      { id: `math_${op}_int_int`, params: ['int', 'int'], result: 'int', impl: int },
      {
        id: `math_${op}_uint_uint`,
        params: ['uint', 'uint'],
        result: 'uint',
        impl: (a: CelUint, b: CelUint) => new CelUint(int(a.value, b.value)),
      },
    ],
    examples,
  };
}

// On two int64 (or two uint64) values, &, | and ^ of JS bigints stay in range.
export const bitAnd = bitPair(
  'math.bitAnd',
  'bitand',
  (a, b) => a & b,
  "Bitwise AND of two ints or two uints (two's complement for ints)",
  [
    { expr: 'math.bitAnd(3, 5)', result: 1n },
    { expr: 'math.bitAnd(3u, 2u)', result: new CelUint(2n) },
    { expr: 'math.bitAnd(-3, -5)', result: -7n },
  ],
);

export const bitOr = bitPair('math.bitOr', 'bitor', (a, b) => a | b, "Bitwise OR of two ints or two uints (two's complement for ints)", [
  { expr: 'math.bitOr(1u, 2u)', result: new CelUint(3n) },
  { expr: 'math.bitOr(-2, -4)', result: -2n },
]);

export const bitXor = bitPair(
  'math.bitXor',
  'bitxor',
  (a, b) => a ^ b,
  "Bitwise exclusive OR of two ints or two uints (two's complement for ints)",
  [
    { expr: 'math.bitXor(3u, 5u)', result: new CelUint(6n) },
    { expr: 'math.bitXor(1, 3)', result: 2n },
  ],
);

export const bitNot: FunctionDecl = {
  name: 'math.bitNot',
  category: 'math',
  description: "Bitwise NOT (ones' complement) of an int or a uint",
  purity: 'pure',
  overloads: [
    { id: 'math_bitnot_int_int', params: ['int'], result: 'int', impl: (a: bigint) => ~a },
    { id: 'math_bitnot_uint_uint', params: ['uint'], result: 'uint', impl: (a: CelUint) => new CelUint(UINT64_MAX ^ a.value) },
  ],
  examples: [
    { expr: 'math.bitNot(1)', result: -2n },
    { expr: 'math.bitNot(-1)', result: 0n },
    { expr: 'math.bitNot(0u)', result: new CelUint(18446744073709551615n) },
  ],
};

function offset(fn: string, bits: bigint): void {
  if (bits < 0n) throw new EvaluationError('invalid_argument', `\`${fn}\` negative offset \`${bits}\``);
}

// A shift of 64 bits or more gives 0 (and never builds a huge bigint). Right shifts are
// logical: the vacated bits are 0, also for negative ints (cel-go's semantics).
function shiftLeft(fn: string) {
  return {
    int: (v: bigint, n: bigint) => {
      offset(fn, n);
      return n >= 64n ? 0n : BigInt.asIntN(64, v << n);
    },
    uint: (v: CelUint, n: bigint) => {
      offset(fn, n);
      return new CelUint(n >= 64n ? 0n : BigInt.asUintN(64, v.value << n));
    },
  };
}

function shiftRight(fn: string) {
  return {
    int: (v: bigint, n: bigint) => {
      offset(fn, n);
      return n >= 64n ? 0n : BigInt.asIntN(64, BigInt.asUintN(64, v) >> n);
    },
    uint: (v: CelUint, n: bigint) => {
      offset(fn, n);
      return new CelUint(n >= 64n ? 0n : v.value >> n);
    },
  };
}

const left = shiftLeft('math.bitShiftLeft');
const right = shiftRight('math.bitShiftRight');

export const bitShiftLeft: FunctionDecl = {
  name: 'math.bitShiftLeft',
  category: 'math',
  description:
    'Shifts the bits of an int or uint left by the given count, dropping bits beyond 64; a shift of 64 or more gives 0, a negative one is an error',
  purity: 'pure',
  overloads: [
    { id: 'math_bitshiftleft_int_int', params: ['int', 'int'], result: 'int', impl: left.int },
    { id: 'math_bitshiftleft_uint_int', params: ['uint', 'int'], result: 'uint', impl: left.uint },
  ],
  examples: [
    { expr: 'math.bitShiftLeft(1, 2)', result: 4n },
    { expr: 'math.bitShiftLeft(-1, 2)', result: -4n },
    { expr: 'math.bitShiftLeft(1u, 200)', result: new CelUint(0n) },
    { expr: 'math.bitShiftLeft(1, -1)', result: { error: 'invalid_argument' } },
  ],
};

export const bitShiftRight: FunctionDecl = {
  name: 'math.bitShiftRight',
  category: 'math',
  description:
    'Shifts the bits of an int or uint right by the given count, filling with 0 (also for negative ints); a shift of 64 or more gives 0, a negative one is an error',
  purity: 'pure',
  overloads: [
    { id: 'math_bitshiftright_int_int', params: ['int', 'int'], result: 'int', impl: right.int },
    { id: 'math_bitshiftright_uint_int', params: ['uint', 'int'], result: 'uint', impl: right.uint },
  ],
  examples: [
    { expr: 'math.bitShiftRight(1024, 2)', result: 256n },
    { expr: 'math.bitShiftRight(-1024, 3)', result: 2305843009213693824n },
    { expr: 'math.bitShiftRight(1024u, 64)', result: new CelUint(0n) },
  ],
};

// ------------------------------------------------------------------ aggregates (ours)

const LIST = 'list(dyn)';

export const mathSum: FunctionDecl = {
  name: 'math.sum',
  category: 'math',
  description:
    'The sum of a list of numbers: an int for ints (overflow is an error), a uint for uints, a double when any element is a double; 0 for an empty list. Doubles are summed with compensation, so many small amounts do not drift, but money in doubles is still approximate: compare totals with a margin, or keep integer cents',
  purity: 'pure',
  overloads: [{ id: 'math_sum_list', params: [LIST], result: 'dyn', impl: sum }],
  examples: [
    { expr: 'math.sum([1, 2, 3])', result: 6n },
    { expr: 'math.sum([0.1, 0.2, 0.3])', result: 0.6 },
    {
      expr: 'math.sum(request.items.map(i, i.price * i.qty))',
      result: 7.5,
      bindings: {
        request: {
          items: [
            { price: 2.5, qty: 1 },
            { price: 1.25, qty: 4 },
          ],
        },
      },
    },
    { expr: 'math.sum([])', result: 0n },
    { expr: 'math.sum([9223372036854775807, 1])', result: { error: 'overflow' } },
    { expr: "math.sum([1, 'a'])", result: { error: 'no_matching_overload' } },
  ],
};

export const mathAvg: FunctionDecl = {
  name: 'math.avg',
  category: 'math',
  description: 'The mean of a non-empty list of numbers, as a double',
  purity: 'pure',
  overloads: [{ id: 'math_avg_list', params: [LIST], result: 'double', impl: avg }],
  examples: [
    { expr: 'math.avg([1, 2, 3, 4])', result: 2.5 },
    { expr: 'math.avg([0.5, 1.5])', result: 1.0 },
    { expr: 'math.avg([])', result: { error: 'invalid_argument' } },
  ],
};

export const mathMin: FunctionDecl = {
  name: 'math.min',
  category: 'math',
  description: 'The least number of a non-empty list, keeping its type (as `math.least(list)`); NaN is an error',
  purity: 'pure',
  overloads: [{ id: 'math_min_list', params: [LIST], result: 'dyn', impl: (l: unknown[]) => extreme('math.min', l, false) }],
  examples: [
    { expr: 'math.min([3, 1.5, 2u])', result: 1.5 },
    { expr: 'math.min(request.scores)', result: 0.25, bindings: { request: { scores: [0.5, 0.25, 0.75] } } },
    { expr: 'math.min([])', result: { error: 'invalid_argument' } },
  ],
};

export const mathMax: FunctionDecl = {
  name: 'math.max',
  category: 'math',
  description: 'The greatest number of a non-empty list, keeping its type (as `math.greatest(list)`); NaN is an error',
  purity: 'pure',
  overloads: [{ id: 'math_max_list', params: [LIST], result: 'dyn', impl: (l: unknown[]) => extreme('math.max', l, true) }],
  examples: [
    { expr: 'math.max([3, 1.5, 2u])', result: 3n },
    { expr: 'math.max(request.scores)', result: 0.75, bindings: { request: { scores: [0.5, 0.25, 0.75] } } },
    { expr: 'math.max([])', result: { error: 'invalid_argument' } },
  ],
};

export const mathPercentile: FunctionDecl = {
  name: 'math.percentile',
  category: 'math',
  description:
    "The p-th percentile (p from 0 to 100) of a non-empty list of numbers, as a double, by linear interpolation between the nearest ranks (numpy's default): p = 50 is the median",
  purity: 'pure',
  overloads: [
    { id: 'math_percentile_list_double', params: [LIST, 'double'], result: 'double', impl: percentile },
    { id: 'math_percentile_list_int', params: [LIST, 'int'], result: 'double', impl: percentile },
    { id: 'math_percentile_list_uint', params: [LIST, 'uint'], result: 'double', impl: percentile },
  ],
  examples: [
    { expr: 'math.percentile([1, 2, 3, 4], 50)', result: 2.5 },
    { expr: 'math.percentile([15.0, 20.0, 35.0, 40.0, 50.0], 40)', result: 29.0 },
    { expr: 'math.percentile([3, 1, 2], 100)', result: 3.0 },
    { expr: 'math.percentile([1, 2], 101)', result: { error: 'invalid_argument' } },
    { expr: 'math.percentile([], 50)', result: { error: 'invalid_argument' } },
  ],
};

export const mathLibrary: FunctionDecl[] = [
  greatest,
  least,
  ceil,
  floor,
  round,
  trunc,
  abs,
  sign,
  isInf,
  mathIsNaN,
  mathIsFinite,
  sqrt,
  bitAnd,
  bitOr,
  bitXor,
  bitNot,
  bitShiftLeft,
  bitShiftRight,
  mathSum,
  mathAvg,
  mathMin,
  mathMax,
  mathPercentile,
];
