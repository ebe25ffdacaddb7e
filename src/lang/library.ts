// What a function library may use of the language: the value types and their helpers, the
// error a builtin throws, the declaration types, and the byte encoders. builtins/ imports
// src/ through this module only (test/architecture/layers.test.ts enforces it), so the
// parser, checker and compiler stay free to change.

export { EvaluationError } from './errors.js';
export {
  Registry,
  kindMatches,
  type FunctionDecl,
  type OverloadDecl,
  type TypeName,
} from './registry.js';
export {
  CelDuration,
  CelOptional,
  CelTimestamp,
  CelType,
  CelUint,
  INT64_MAX,
  INT64_MIN,
  UINT64_MAX,
  MAX_DURATION_NS,
  MIN_DURATION_NS,
  MAX_TIMESTAMP_NS,
  MIN_TIMESTAMP_NS,
  MAX_VALUE_DEPTH,
  NS_PER_SECOND,
  celCompare,
  celEquals,
  checkInt,
  checkUint,
  compareNumbers,
  compareStrings,
  kindOf,
  mapEntries,
  mapGet,
  mapKeys,
  mapSize,
  noOverload,
  typeNameOf,
  type Kind,
} from './values.js';
export { durationOf, fromHost } from './operators.js';
export { STD, URL_SAFE, base64Encode, base64UrlEncode, fnv1aBytes, hexEncode } from '../util/encoding.js';
export { table } from '../util/table.js';
export { windowStart } from './period.js';
export { plugin } from '../util/plugins.js';
